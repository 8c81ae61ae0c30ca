"""Quizzes: the question bank, pre/post tests, timed attempts graded on the server, GIFT interchange."""

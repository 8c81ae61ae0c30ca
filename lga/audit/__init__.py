"""Audit trail: who changed what, when, with old and new values.

Every domain writes here through ``lga.audit.services.record``; admins read it at
/admin/audit. Entries are written in the same transaction as the change they describe.
"""

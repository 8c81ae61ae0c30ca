// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  // Move focus to the error summary after a failed submit, so screen readers announce it.
  var summary = document.querySelector(".form-errors");
  if (summary) { summary.focus(); }
})();

// Quiz attempts: save each answer as it is given, one request at a time (the latest answers win);
// keep unsaved answers on the device while the connection is down and send them when it returns;
// count the time down (the server keeps the real clock and refuses late answers). Without this
// script the Next/Previous buttons save.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-save-url");
  var storeKey = "lga-attempt-" + form.getAttribute("data-attempt");
  var status = form.querySelector(".save-status");
  var pending = null, inFlight = false, queued = null;

  function say(kind) {
    if (status) { status.textContent = status.getAttribute("data-" + kind) || ""; status.className = "save-status " + kind; }
  }
  function snapshot() {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "goto") { pairs.push([name, String(value)]); }
    });
    return pairs;
  }
  function remember(pairs) {
    try { localStorage.setItem(storeKey, JSON.stringify(pairs)); } catch (e) { /* private mode: nothing kept */ }
  }
  function forget() {
    try { localStorage.removeItem(storeKey); } catch (e) { /* ignore */ }
  }
  function send(pairs) {
    if (inFlight) { queued = pairs; return; }  // one at a time: an older answer never overwrites a newer one
    inFlight = true;
    var body = new URLSearchParams();
    pairs.forEach(function (p) { body.append(p[0], p[1]); });
    say("saving");
    fetch(url, { method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                 headers: { "X-Requested-With": "fetch", "Accept": "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.status === 409 && json) {
          return response.json().then(function (data) { forget(); window.location = data.redirect; });
        }
        // Anything but our JSON (a redirect to the login page, an error page) is not a save.
        if (!response.ok || !json) { throw new Error("not saved: HTTP " + response.status); }
        if (!queued) { forget(); say("saved"); }
      })
      .catch(function () { remember(queued || pairs); say("offline"); })
      .then(function () {
        inFlight = false;
        if (queued) { var next = queued; queued = null; send(next); }
      });
  }
  function save() {
    var pairs = snapshot();
    remember(pairs);
    clearTimeout(pending);
    pending = setTimeout(function () { send(pairs); }, 250);
  }
  form.addEventListener("change", save);
  form.addEventListener("input", function (event) {
    if (event.target.type === "text") { clearTimeout(pending); pending = setTimeout(save, 800); }
  });
  window.addEventListener("online", function () {
    var kept = null;
    try { kept = JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (e) { kept = null; }
    if (kept) { send(kept); }
  });
  // Answers kept on the device from a moment without connection: put them back and send them.
  try {
    var kept = JSON.parse(localStorage.getItem(storeKey) || "null");
    if (kept) {
      var shown = form.querySelector("input[name=shown]");
      var here = kept.some(function (p) { return p[0] === "shown" && shown && p[1] === shown.value; });
      if (here) {
        kept.forEach(function (p) {
          var fields = form.querySelectorAll("[name='" + p[0].replace(/'/g, "") + "']");
          fields.forEach(function (field) {
            if (field.type === "radio" || field.type === "checkbox") { if (field.value === p[1]) { field.checked = true; } }
            else if (field.name !== "csrf_token" && field.name !== "shown") { field.value = p[1]; }
          });
        });
      }
      send(kept);
    }
  } catch (e) { /* nothing kept */ }
})();

(function () {
  "use strict";
  var timer = document.querySelector(".timer[data-seconds-left]");
  if (!timer) { return; }
  var strong = timer.querySelector("strong");
  var warning = document.querySelector(".timer-warning");
  var ends = Date.now() + 1000 * parseInt(timer.getAttribute("data-seconds-left"), 10);
  var warned = {};
  function warn(key) {
    if (warning && !warned[key] && timer.getAttribute("data-warn-" + key)) {
      warned[key] = true;
      warning.textContent = timer.getAttribute("data-warn-" + key);
    }
  }
  function tick() {
    var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
    var minutes = Math.floor(left / 60), seconds = left % 60;
    strong.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    if (left <= 300 && left > 60) { warn("5"); }
    if (left <= 60) { timer.classList.add("urgent"); warn("1"); }
    if (left === 0) {
      clearInterval(handle);
      // Hand in what is on the page now (the server accepts it for a few seconds more), then
      // the server finishes the attempt and shows the result.
      var form = document.getElementById("attempt-form");
      if (form) {
        var go = document.createElement("input");
        go.type = "hidden"; go.name = "goto"; go.value = "summary";
        form.appendChild(go);
        form.submit();
      } else {
        window.location.reload();
      }
    }
  }
  var handle = setInterval(tick, 1000);
  tick();
})();

// finhealth's only script. Pages work without it; it adds live sync progress,
// copy buttons and submit-on-change for the organization switcher. No inline
// script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  function csrfToken() {
    var el = document.querySelector('input[name="csrf_token"]');
    return el ? el.value : "";
  }

  // Submit a select's form as soon as it changes (the button stays for keyboard
  // and no-script users).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });

  // Copy buttons: <button data-copy="#id"> copies that input's value.
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var target = document.querySelector(btn.getAttribute("data-copy"));
      if (!target) return;
      var text = target.value || target.textContent;
      var done = function () {
        var old = btn.textContent;
        btn.textContent = "Copied";
        setTimeout(function () { btn.textContent = old; }, 1500);
      };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(text).then(done, function () { target.select && target.select(); });
      } else if (target.select) {
        target.select();
        document.execCommand("copy");
        done();
      }
    });
  });

  // Live sync progress: an element with data-sync-status="<url>" polls that JSON
  // endpoint and shows the run's state; when the run ends the page reloads to show
  // the new numbers. data-sync-live marks the text to update.
  document.querySelectorAll("[data-sync-status]").forEach(function (box) {
    var url = box.getAttribute("data-sync-status");
    var live = box.querySelector("[data-sync-live]") || box;
    var timer = null;
    function poll() {
      fetch(url, { headers: { "Accept": "application/json", "X-CSRF-Token": csrfToken() }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (run) {
          live.textContent = run.message || run.status;
          box.setAttribute("data-state", run.status);
          if (run.done) {
            clearInterval(timer);
            if (box.hasAttribute("data-reload")) window.location.reload();
          }
        })
        .catch(function () { /* keep the last text; the next poll retries */ });
    }
    if (box.getAttribute("data-state") === "running" || box.getAttribute("data-state") === "queued") {
      timer = setInterval(poll, 1000);
      poll();
    }
  });
})();

// Questionnaire progress: counts answered questions as they are answered. The
// server counts them too whenever it shows the form, so this is only a convenience.
(function () {
  "use strict";
  document.querySelectorAll("form[data-questionnaire]").forEach(function (form) {
    var count = form.querySelector("[data-answered]");
    var bar = form.querySelector("[data-progress] progress");
    if (!count || !bar) return;
    form.addEventListener("change", function () {
      var answered = {};
      form.querySelectorAll('input[type="radio"]:checked').forEach(function (r) { answered[r.name] = true; });
      var n = Object.keys(answered).length;
      count.textContent = String(n);
      bar.value = n;
    });
  });
})();

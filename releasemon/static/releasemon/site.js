/* releasemon: progressive enhancement only. Every form works without this file; with it,
   confirmations ask first, Test check shows its result in place, and the project form follows
   the chosen backend and warns about similar existing projects. No framework, no network
   access beyond this site. */
(function () {
  "use strict";

  var BACKEND_FIELDS = ["version_url", "regex", "insecure", "releases_only"];

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function postForm(form, extra) {
    var data = new FormData(form);
    Object.keys(extra || {}).forEach(function (key) { data.set(key, extra[key]); });
    return fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(
        function (body) { return { status: response.status, body: body }; },
        function () { return { status: response.status, body: { error: "Unexpected answer (HTTP " + response.status + ")." } }; }
      );
    });
  }

  /* The result of a Test check, in the same shape the server renders without a script. */
  function renderResult(target, answer) {
    clear(target);
    var body = answer.body || {};
    var panel = el("div", null, "panel");
    if (body.error || body.errors || answer.status >= 400) {
      panel.className = "panel error";
      panel.setAttribute("role", "alert");
      panel.appendChild(el("h2", "Test check failed"));
      if (body.error) panel.appendChild(el("p", body.error));
      if (body.errors) {
        Object.keys(body.errors).forEach(function (field) {
          panel.appendChild(el("p", field.replace(/_/g, " ") + ": " + body.errors[field]));
        });
      }
      target.appendChild(panel);
      return;
    }
    panel.className = "panel ok";
    panel.appendChild(el("h2", "Test check result"));
    var summary = el("p");
    summary.appendChild(document.createTextNode("Latest version: "));
    summary.appendChild(el("strong", body.latest_version || "none"));
    summary.appendChild(document.createTextNode(". " + (body.found_versions && body.found_versions.length
      ? "New versions: " + body.found_versions.join(", ") + "."
      : "No new version.")));
    panel.appendChild(summary);
    var versions = body.versions || [];
    panel.appendChild(el("p", versions.length
      ? "All versions found (" + versions.length + "): " + versions.join(", ")
      : "The upstream lists no version."));
    panel.appendChild(el("p", "Nothing was stored: a Test check only shows what a check would find.", "muted"));
    target.appendChild(panel);
  }

  function runTestCheck(form, button, target, extra) {
    var label = button.textContent;
    button.disabled = true;
    button.textContent = "Checking…";
    clear(target);
    target.appendChild(el("p", "Asking the upstream…", "muted"));
    postForm(form, extra).then(function (answer) {
      renderResult(target, answer);
    }, function () {
      renderResult(target, { status: 0, body: { error: "The site could not be reached." } });
    }).then(function () {
      button.disabled = false;
      button.textContent = label;
    });
  }

  /* A form's error summary (projects/_form_errors.html) takes the focus on load, so that a
     field error below the fold is announced and seen; its links focus their field with the
     field's label in view (the plain #id jump would hide the label under the top edge). */
  var errorSummary = document.querySelector("[data-error-summary]");
  if (errorSummary) {
    if (document.activeElement !== errorSummary) errorSummary.focus();
    errorSummary.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-field-id]");
      var input = link && document.getElementById(link.getAttribute("data-field-id"));
      if (!input) return;
      event.preventDefault();
      var row = input.closest(".field") || input;
      row.hidden = false;
      row.scrollIntoView({ block: "start" });
      input.focus({ preventScroll: true });
    });
  }

  /* Forms that ask before doing something destructive. */
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  /* The project page's Test check. */
  document.querySelectorAll("form.js-test-check").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var target = document.getElementById(form.getAttribute("data-target"));
      runTestCheck(form, form.querySelector("button"), target);
    });
  });

  /* Keyboard shortcuts on the project page: e edits, c runs a full check. */
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) return;
    var target = document.querySelector('[data-shortcut="' + event.key + '"]');
    if (target) {
      event.preventDefault();
      target.click();
    }
  });

  /* The project form. */
  var form = document.getElementById("project-form");
  if (!form) return;
  var helpNode = document.getElementById("backend-help");
  var help = helpNode ? JSON.parse(helpNode.textContent) : {};
  var backend = form.querySelector("[name=backend]");
  var scheme = form.querySelector("[name=version_scheme]");

  function row(field) { return document.getElementById("row-" + field); }

  function setLabel(field, text, required) {
    var r = row(field);
    if (!r) return;
    var label = r.querySelector("label");
    if (!label) return;
    clear(label);
    label.appendChild(document.createTextNode(text));
    if (required && !r.classList.contains("checkbox")) {
      var star = el("span", " *", "required");
      star.setAttribute("aria-hidden", "true");
      label.appendChild(star);
    }
  }

  function setHelp(field, text) {
    var r = row(field);
    if (!r) return;
    var p = r.querySelector(".help");
    if (!p && text) {
      p = el("p", null, "help");
      var input = r.querySelector("input, select, textarea");
      p.id = (input ? input.id : field) + "_helptext";
      if (input) input.setAttribute("aria-describedby", p.id);
      var firstError = r.querySelector("p.error");
      r.insertBefore(p, firstError);
    }
    if (p) p.textContent = text || "";
  }

  var defaults = {};
  ["name"].concat(BACKEND_FIELDS).forEach(function (field) {
    var r = row(field);
    if (!r) return;
    var label = r.querySelector("label");
    var p = r.querySelector(".help");
    defaults[field] = { label: label ? label.firstChild.textContent.trim() : field, help: p ? p.textContent : "" };
  });

  function applyBackend() {
    var info = help[backend.value] || { fields: {}, examples: [] };
    BACKEND_FIELDS.forEach(function (field) {
      var r = row(field);
      if (!r) return;
      var spec = info.fields[field];
      r.hidden = !spec && !r.classList.contains("has-error");  /* an error stays in view */
      if (spec) {
        setLabel(field, spec.label, spec.required);
        setHelp(field, spec.help);
      }
    });
    var name = info.fields.name || { label: "Project name", help: defaults.name.help, required: true };
    setLabel("name", name.label, true);
    setHelp("name", name.help);
    var hint = document.getElementById("default-regex-hint");
    if (hint) hint.hidden = !info.fields.regex;
    var box = document.getElementById("backend-info");
    if (box) {
      clear(box);
      if (info.examples && info.examples.length) {
        var p = el("p", "Example homepages for " + backend.value + ": ", "help");
        info.examples.forEach(function (example, index) {
          if (index) p.appendChild(document.createTextNode(", "));
          p.appendChild(el("code", example));
        });
        box.appendChild(p);
      }
      if (info.more_info) box.appendChild(el("p", info.more_info, "help"));
    }
  }

  function applyScheme() {
    var r = row("version_pattern");
    if (r) r.hidden = !(scheme && scheme.value === "Calendar");
  }

  backend.addEventListener("change", applyBackend);
  if (scheme) scheme.addEventListener("change", applyScheme);
  applyBackend();
  applyScheme();

  /* Similar existing projects, while typing, to avoid duplicates. */
  var similarBox = document.getElementById("similar-projects");
  var nameInput = form.querySelector("[name=name]");
  var homepageInput = form.querySelector("[name=homepage]");
  var timer = null;
  var lastQuery = "";

  function lookupSimilar() {
    /* Credentials typed into the URL never leave the form in a query string (access logs). */
    var homepage = homepageInput.value.trim().replace(/^([a-z][a-z0-9+.-]*:\/\/)[^\/?#]*@/i, "$1");
    var params = new URLSearchParams({ name: nameInput.value.trim(), homepage: homepage });
    if (form.dataset.projectId) params.set("exclude", form.dataset.projectId);
    var query = params.toString();
    if (query === lastQuery) return;
    lastQuery = query;
    if (!nameInput.value.trim() && !homepageInput.value.trim()) {
      similarBox.hidden = true;
      return;
    }
    fetch(form.dataset.similarUrl + "?" + query, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { projects: [] }; })
      .then(function (body) {
        clear(similarBox);
        var projects = body.projects || [];
        similarBox.hidden = projects.length === 0;
        if (!projects.length) return;
        similarBox.appendChild(el("strong", "Similar projects already exist. Is yours one of them?"));
        var list = el("ul");
        projects.forEach(function (project) {
          var item = el("li");
          var link = el("a", project.name);
          link.href = project.url;
          item.appendChild(link);
          item.appendChild(document.createTextNode(" (" + project.backend + ", " + project.homepage + ")"));
          list.appendChild(item);
        });
        similarBox.appendChild(list);
      }, function () { similarBox.hidden = true; });
  }

  function scheduleSimilar() {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookupSimilar, 300);
  }
  if (similarBox && nameInput && homepageInput) {
    nameInput.addEventListener("input", scheduleSimilar);
    homepageInput.addEventListener("input", scheduleSimilar);
    if (nameInput.value || homepageInput.value) lookupSimilar();
  }

  /* Test check with the values typed so far. */
  var testButton = document.getElementById("test-check-button");
  if (testButton) {
    testButton.addEventListener("click", function (event) {
      event.preventDefault();
      runTestCheck(form, testButton, document.getElementById("test-result"), { action: "test" });
    });
  }
})();

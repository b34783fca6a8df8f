// When an htmx request fails (403, 404, 500, lost connection) nothing is swapped; say so.
document.addEventListener("htmx:responseError", function (event) {
  showProblem(document.body.dataset.errorMessage);
});
document.addEventListener("htmx:sendError", function () {
  showProblem(document.body.dataset.offlineMessage);
});
function showProblem(text) {
  var box = document.getElementById("request-problem");
  box.textContent = text;
  box.hidden = false;
}

// The optional signature pad on signing pages: draw with a mouse, pen or finger; the drawing (a PNG)
// goes into the hidden field named by data-signature-for. Signing works without it (typed name only).
document.querySelectorAll("canvas[data-signature-for]").forEach(function (canvas) {
  var input = document.getElementById(canvas.dataset.signatureFor);
  var pen = canvas.getContext("2d");
  var down = false, drawn = false;
  pen.lineWidth = 2.5; pen.lineCap = "round"; pen.lineJoin = "round"; pen.strokeStyle = "#111";
  function at(event) {
    var box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
  }
  canvas.addEventListener("pointerdown", function (event) {
    down = true;
    canvas.setPointerCapture(event.pointerId);
    var p = at(event); pen.beginPath(); pen.moveTo(p[0], p[1]);
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!down) { return; }
    var p = at(event); pen.lineTo(p[0], p[1]); pen.stroke(); drawn = true;
  });
  function stop() {
    if (down && drawn) { input.value = canvas.toDataURL("image/png"); }
    down = false;
  }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  var clear = document.querySelector("[data-signature-clear='" + canvas.id + "']");
  if (clear) {
    clear.hidden = false;
    clear.addEventListener("click", function () {
      pen.clearRect(0, 0, canvas.width, canvas.height); input.value = ""; drawn = false;
    });
  }
});

// Phones: the site menu folds behind a "Menu" button (without JavaScript it stays open).
document.documentElement.classList.add("js");
var menuToggle = document.querySelector(".menu-toggle");
if (menuToggle) {
  menuToggle.hidden = false;
  menuToggle.addEventListener("click", function () {
    var open = menuToggle.getAttribute("aria-expanded") !== "true";
    menuToggle.setAttribute("aria-expanded", String(open));
    document.getElementById(menuToggle.getAttribute("aria-controls")).classList.toggle("open", open);
  });
}

// Narrow screens: each table cell carries its column's name, so a row can stack as "Name: value" lines
// (app.css) and no column is hidden or scrolled away.
function labelTables(root) {
  var inside = root.closest ? root.closest("table") : null;  // a row swapped in (or out of band) joins its table
  (inside ? [inside] : root.querySelectorAll("table")).forEach(function (table) {
    var heads = [];
    table.querySelectorAll("thead tr:last-child > th, thead tr:last-child > td").forEach(function (th) {
      for (var i = 0; i < (th.colSpan || 1); i++) { heads.push(th.textContent.trim()); }
    });
    if (!heads.length) { return; }
    table.querySelectorAll("tbody tr, tfoot tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        var one = (cell.colSpan || 1) === 1;  // a cell across columns (an inline form's row) is no one column's value
        if (heads[column] && one && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", heads[column]); }
        column += cell.colSpan || 1;
      });
    });
    table.classList.add("stacks");
  });
}
labelTables(document);

// After an in-place update, focus goes where the person expects and the change is announced:
// a refused form -> its first invalid field; an opened form (".editing") -> its first field; anything else (a saved row or
// section, a new tab) -> the new content itself. Updates a person causes while typing (live search) keep focus.
var lastSettled = null;
// What an update is called when announced: its heading, else (a table row) its first cell under its column's name.
function nameOf(fresh) {
  var heading = fresh.querySelector("h1, h2, h3, legend");
  if (heading) { return heading.textContent.trim(); }
  var cell = fresh.matches("tr") ? fresh.querySelector("th[scope=row]") || fresh.querySelector("th, td") : null;
  if (!cell) { return ""; }
  var text = cell.textContent.trim().split(/\s*\n\s*/)[0];
  return ((cell.getAttribute("data-label") || "") + " " + text).trim();
}
document.addEventListener("htmx:afterSettle", function (event) {
  var fresh = event.target;
  var swapped = event.detail.target;  // what was asked for (replaced, for an outerHTML swap); not an out-of-band part
  var main = fresh === swapped || (swapped && !swapped.isConnected && (!swapped.id || fresh.id === swapped.id));
  if (!(fresh instanceof Element) || !fresh.isConnected) { return; }
  labelTables(fresh);  // every swapped part, out-of-band ones too, so a phone stacks its rows with their names
  if (!main || event.detail.xhr === lastSettled) { return; }
  lastSettled = event.detail.xhr;
  var source = event.detail.requestConfig && event.detail.requestConfig.elt;
  var typing = source && source.isConnected && !fresh.contains(source) && source.closest("form, input, select, textarea");
  var body = document.body.dataset;
  var invalid = fresh.querySelector("[aria-invalid='true'], .form-errors");
  var field = fresh.querySelector("input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])");
  var name = nameOf(fresh);
  var said = fresh.querySelector(".flash, [role=status]");
  var target, message;
  if (invalid) {
    target = invalid.matches(".form-errors") ? (field || fresh) : invalid;
    var error = fresh.querySelector(".form-errors, .error");
    message = body.invalidMessage + " " + (error ? error.textContent.trim() : name);
  } else if (field && fresh.matches(".editing")) {
    target = field;
    message = body.editingMessage + " " + name;
  } else {
    // a row's own button (Mark done), or a row's edit form (data-row), that swapped its whole section: focus that
    // row again, in the new section
    var row = source && source.closest ? source.closest("tr[id], li[id]") : null;
    var edited = !row && source && source.closest ? source.closest("[data-row]") : null;
    var rowId = row ? row.id : (edited ? edited.dataset.row : null);
    var again = rowId && row !== fresh && !fresh.matches("tr, li") ? fresh.querySelector("#" + CSS.escape(rowId)) : null;
    target = again || fresh;
    message = said ? said.textContent.trim() : body.updatedMessage + " " + (again ? nameOf(again) : name);
  }
  var announcer = document.getElementById("announcer");
  if (announcer) { announcer.textContent = ""; window.setTimeout(function () { announcer.textContent = message; }, 50); }
  if (typing) { return; }
  // someone already in a field of the new content (a quick click or a test) keeps their place
  if (document.activeElement && document.activeElement !== fresh && fresh.contains(document.activeElement)
      && document.activeElement.matches("input, select, textarea")) { return; }
  if (!target.matches("a, button, input, select, textarea, [tabindex]")) { target.setAttribute("tabindex", "-1"); }
  target.focus({preventScroll: false});
});

// When an htmx request fails (403, 404, 500, lost connection) nothing is swapped; say so.
document.addEventListener("htmx:responseError", function (event) {
  showProblem(document.body.dataset.errorMessage + " (" + event.detail.xhr.status + ")");
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

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

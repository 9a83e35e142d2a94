/* The confirmation page: copy the tracking number and query code, print the page.
   The buttons stay hidden without this file; the page and its print stylesheet work without it. */
(function () {
  "use strict";
  var status = document.getElementById("copy-status");
  var copy = document.getElementById("copy-receipt");
  if (copy && navigator.clipboard && window.isSecureContext) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(copy.getAttribute("data-text")).then(function () {
        if (status) { status.textContent = copy.getAttribute("data-done"); }
      }, function () {
        if (status) { status.textContent = copy.getAttribute("data-failed"); }
      });
    });
  }
  var print = document.getElementById("print-receipt");
  if (print && typeof window.print === "function") {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();

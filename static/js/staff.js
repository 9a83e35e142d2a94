// Staff pages: insert a canned answer into the answer text. Without JavaScript the 插入 button
// posts the form and the page comes back with the text filled in; with it, nothing is reloaded.
(function () {
  document.querySelectorAll("button.canned-insert").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var select = button.form.querySelector("select.canned-select");
      var target = select && document.getElementById(select.getAttribute("data-target"));
      var option = select && select.options[select.selectedIndex];
      if (!target || !option || !option.value) { return; }  // the server says what is missing
      event.preventDefault();
      var body = option.getAttribute("data-body");
      target.value = target.value.trim() ? target.value.replace(/\s+$/, "") + "\n" + body : body;
      target.focus();
      select.selectedIndex = 0;
    });
  });
})();

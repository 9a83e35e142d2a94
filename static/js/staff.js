// Staff pages: insert a canned answer into the answer text (works without it: the text can be typed).
(function () {
  document.querySelectorAll("select.canned-select").forEach(function (select) {
    select.addEventListener("change", function () {
      var target = document.getElementById(select.getAttribute("data-target"));
      if (!target || !select.value) { return; }
      target.value = target.value ? target.value + "\n" + select.value : select.value;
      target.focus();
      select.selectedIndex = 0;
    });
  });
})();

/* The citizen's pages: description counter, site suggestions and detection, captcha refresh.
   Everything works without this file; it only helps. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function getJSON(url, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      if (xhr.status === 200) {
        try { done(JSON.parse(xhr.responseText)); } catch (e) { /* ignore */ }
      }
    };
    xhr.send();
  }

  function text(tag, value, className) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (className) { el.className = className; }
    return el;
  }

  // live character counter for the description
  var description = document.querySelector("[data-counter]");
  if (description) {
    var counter = document.getElementById(description.getAttribute("data-counter"));
    var template = counter.getAttribute("data-template");
    var max = parseInt(description.getAttribute("maxlength"), 10) || 400;
    var update = function () {
      var n = Array.from(description.value.replace(/\r\n/g, "\n")).length;
      counter.textContent = template.replace("{n}", n);
      counter.classList.toggle("over", n > max);
      counter.classList.toggle("near", n > max - 40 && n <= max);
    };
    description.addEventListener("input", update);
    update();
  }

  // site suggestions by name, initials, host or code, into the datalist; a choice reads
  // "name（code）", which the form and the detection understand
  var siteInput = document.getElementById("site_code");
  var datalist = document.getElementById("site-suggestions");
  var siteMore = document.getElementById("site-more");
  if (siteInput && datalist) {
    siteInput.addEventListener("input", debounce(function () {
      var q = siteInput.value.trim();
      if (q.length < 2 || /（[A-Za-z0-9]+）$/.test(q)) { return; }
      var xhr = new XMLHttpRequest();
      xhr.open("GET", "/sites/suggest?q=" + encodeURIComponent(q));
      xhr.setRequestHeader("Accept", "application/json");
      xhr.onload = function () {
        if (xhr.status !== 200) { return; }
        var sites;
        try { sites = JSON.parse(xhr.responseText); } catch (e) { return; }
        datalist.textContent = "";
        sites.forEach(function (site) {
          var option = document.createElement("option");
          option.value = site.name + "（" + site.code + "）";
          datalist.appendChild(option);
        });
        if (siteMore) {
          siteMore.textContent = xhr.getResponseHeader("X-More-Sites") ? siteMore.getAttribute("data-more") : "";
        }
      };
      xhr.send();
    }, 250));
  }

  // detect the site from the page URL, and hint at open reports about the same page
  var urlInput = document.getElementById("page_url");
  var detectBox = document.getElementById("detect-result");
  var duplicateBox = document.getElementById("duplicate-hint");
  var form = document.getElementById("report-form");
  if (urlInput && detectBox && form) {
    var labels = form.dataset;
    var detect = function () {
      var url = urlInput.value.trim();
      if (!/^https?:\/\/[^\s\/]+\.[^\s\/]+/i.test(url)) { return; }
      var code = siteInput ? siteInput.value.trim() : "";
      getJSON("/sites/detect?url=" + encodeURIComponent(url) + "&site_code=" + encodeURIComponent(code), function (result) {
        detectBox.textContent = "";
        var p = document.createElement("p");
        if (result.site) {
          p.className = "detected";
          p.appendChild(document.createTextNode(labels.detected));
          p.appendChild(text("strong", result.site.name));
          p.appendChild(document.createTextNode("（" + result.site.code + "）"));
        } else {
          p.className = "hint";
          p.textContent = result.reason === "ambiguous" ? labels.ambiguous : labels.undetected;
        }
        detectBox.appendChild(p);
        duplicateBox.textContent = "";
        if (result.duplicates && result.duplicates.length) {
          duplicateBox.appendChild(text("p", labels.duplicates));
          var ul = document.createElement("ul");
          result.duplicates.forEach(function (d) { ul.appendChild(text("li", d.tracking_number + " · " + d.state)); });
          duplicateBox.appendChild(ul);
          duplicateBox.hidden = false;
        } else {
          duplicateBox.hidden = true;
        }
      });
    };
    urlInput.addEventListener("change", detect);
    urlInput.addEventListener("blur", detect);
    if (siteInput) { siteInput.addEventListener("change", detect); }
  }

  // a new captcha image without reloading the page (the link reloads the page without JS)
  var refresh = document.getElementById("captcha-refresh");
  var image = document.getElementById("captcha-image");
  if (refresh && image) {
    refresh.addEventListener("click", function (event) {
      event.preventDefault();
      image.src = "/captcha.png?t=" + Date.now();
      var input = document.getElementById("captcha");
      if (input) { input.value = ""; input.focus(); }
    });
  }

  // move focus to the error summary, so keyboard and screen-reader users start there
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // say at once when too many files are chosen or one is too large
  var files = document.getElementById("screenshots");
  if (files && form) {
    files.addEventListener("change", function () {
      var problems = [];
      if (files.files.length > 3) { problems.push(form.dataset.toomany); }
      Array.from(files.files).forEach(function (f) {
        if (f.size > 5 * 1024 * 1024) { problems.push("“" + f.name + "” " + form.dataset.toobig); }
      });
      var note = document.getElementById("screenshots-check");
      if (!note) {
        note = document.createElement("p");
        note.id = "screenshots-check";
        note.className = "field-error";
        note.setAttribute("aria-live", "polite");
        files.parentNode.appendChild(note);
      }
      note.textContent = problems.join(" ");
    });
  }
})();

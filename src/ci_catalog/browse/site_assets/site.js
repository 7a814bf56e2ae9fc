// Progressive enhancement for the `ci-catalog site` pages: everything works without this
// file; it shows and wires the controls that need it (search, version picker, copy).
"use strict";

(function () {
  function setUpSearch() {
    var form = document.querySelector("[data-search]");
    if (!form) {
      return;
    }
    var input = form.querySelector("input");
    var count = document.getElementById("search-count");
    var none = document.getElementById("no-match");
    var items = Array.prototype.slice.call(document.querySelectorAll("[data-component]"));
    function filter() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var text = item.textContent.toLowerCase();
        var match = words.every(function (word) {
          return text.indexOf(word) !== -1;
        });
        item.hidden = !match;
        shown += match ? 1 : 0;
      });
      none.hidden = shown !== 0;
      count.textContent = shown + " of " + items.length + " components shown";
    }
    // Enter in the box must not reload the page: the list already shows the matches.
    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    input.addEventListener("input", filter);
    form.hidden = false;
    filter();
  }

  // Each version is a panel of its own (its snippet, inputs, jobs and examples, rendered at
  // that version); the picker shows the one chosen. Without this file, every panel shows.
  function setUpPicker() {
    var select = document.querySelector("[data-versions]");
    if (!select) {
      return;
    }
    var panels = Array.prototype.slice.call(document.querySelectorAll("[data-panel]"));
    function show() {
      panels.forEach(function (panel) {
        panel.hidden = panel.getAttribute("data-panel") !== select.value;
      });
    }
    select.addEventListener("change", show);
    select.closest("[data-picker]").hidden = false;
    show();
  }

  // Without the async clipboard (an insecure context), a hidden textarea and execCommand.
  function copyText(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "absolute";
      area.style.left = "-9999px";
      document.body.appendChild(area);
      area.select();
      var copied = document.execCommand("copy");
      document.body.removeChild(area);
      (copied ? resolve : reject)();
    });
  }

  function setUpCopy() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var status = document.getElementById(button.getAttribute("data-status"));
      button.addEventListener("click", function () {
        copyText(source.textContent).then(
          function () {
            status.textContent = "Copied.";
          },
          function () {
            status.textContent = "Could not copy: select the text and copy it.";
          }
        );
      });
      button.hidden = false;
    });
  }

  setUpSearch();
  setUpPicker();
  setUpCopy();
})();

// Poll the batch's progress while its task runs; reload when it is done.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = document.getElementById("import-bar");
  var count = document.getElementById("import-count");
  var status = document.getElementById("import-status");
  var template = count.textContent.replace(/\d+/, "{n}");

  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        status.textContent = data.status_label;
        count.textContent = template.replace("{n}", data.rows_done);
        if (data.rows_total) {
          bar.max = data.rows_total;
          bar.value = data.rows_done;
        }
        if (data.running) {
          window.setTimeout(poll, 1500);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
}());

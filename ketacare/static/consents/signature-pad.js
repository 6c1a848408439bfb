/* KetaCare signature pad (issue 16): draw on a <canvas data-signature-pad="<hidden input id>"> with a
   finger, pen or mouse; on submit the drawing goes into the hidden input as a PNG data URL. No inline
   script (the CSP allows only this site's files), no dependency. The server checks the image again. */
(function () {
  "use strict";

  function setUp(canvas) {
    var input = document.getElementById(canvas.getAttribute("data-signature-pad"));
    var context = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;

    context.lineWidth = 3;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#111";

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * (canvas.width / box.width),
        y: (event.clientY - box.top) * (canvas.height / box.height)
      };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      var at = point(event);
      context.beginPath();
      context.moveTo(at.x, at.y);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      event.preventDefault();
      var at = point(event);
      context.lineTo(at.x, at.y);
      context.stroke();
      drawn = true;
    });
    function stop() { drawing = false; }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);

    document.querySelectorAll("[data-signature-clear='" + canvas.id + "']").forEach(function (button) {
      button.addEventListener("click", function () {
        context.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        input.value = "";
      });
    });

    var form = canvas.closest("form");
    if (form) {
      form.addEventListener("submit", function () {
        input.value = drawn ? canvas.toDataURL("image/png") : "";
      });
    }
  }

  function start() {
    document.querySelectorAll("canvas[data-signature-pad]").forEach(setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

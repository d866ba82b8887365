/* The checkpoint screen's camera: where the browser can read QR codes (BarcodeDetector),
   the camera button reads one into the field and sends the form. Without it the field
   takes what a hardware scanner types (it ends with Enter, which sends the form). */
(function () {
  var button = document.getElementById("camera-scan");
  var video = document.getElementById("camera-view");
  var field = document.getElementById("scanned");
  if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({formats: ["qr_code"]});
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      var look = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (track) { track.stop(); });
            field.value = codes[0].rawValue;
            document.getElementById("checkpoint-scan").submit();
          } else { window.requestAnimationFrame(look); }
        }, function () { window.requestAnimationFrame(look); });
      };
      look();
    });
  });
}());

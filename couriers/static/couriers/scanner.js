// The courier's scanner: reads a QR code from the phone's camera (the browser's
// BarcodeDetector where it exists, else the vendored jsQR on canvas frames) or from a
// photo, and posts its text to the scan page. Nothing is decided here: the server checks
// every code.
(function () {
  const root = document.querySelector("[data-scanner]");
  if (!root) return;
  const video = root.querySelector("[data-scanner-video]");
  const canvas = root.querySelector("[data-scanner-canvas]");
  const idle = root.querySelector("[data-scanner-idle]");
  const status = root.querySelector("[data-scanner-status]");
  const form = root.querySelector("[data-scanner-form]");
  const field = root.querySelector("[data-scanner-code]");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let detector = null;
  let stream = null;
  let sent = false;

  if ("BarcodeDetector" in window) {
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (error) {
      detector = null;
    }
  }

  function say(text) {
    status.textContent = text;
  }

  function submit(text) {
    if (sent || !text) return;
    sent = true;
    say(gettext("Code read. Checking…"));
    if (stream) stream.getTracks().forEach((track) => track.stop());
    field.value = text;
    form.submit();
  }

  function readCanvas(width, height) {
    const image = context.getImageData(0, 0, width, height);
    const found = window.jsQR(image.data, width, height, { inversionAttempts: "attemptBoth" });
    return found ? found.data : "";
  }

  async function readFrame() {
    if (detector) {
      try {
        const codes = await detector.detect(video);
        if (codes.length) return codes[0].rawValue;
      } catch (error) {
        detector = null; // fall back to jsQR from the next frame
      }
    }
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (!width || !height) return "";
    canvas.width = width;
    canvas.height = height;
    context.drawImage(video, 0, 0, width, height);
    return readCanvas(width, height);
  }

  async function loop() {
    if (sent || !stream) return;
    const text = await readFrame();
    if (text) submit(text);
    else window.setTimeout(() => window.requestAnimationFrame(loop), 150);
  }

  async function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(gettext("This browser cannot open the camera. Read a photo, or type the code."));
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (error) {
      say(gettext("The camera is not available. Allow it, read a photo, or type the code."));
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    idle.hidden = true;
    await video.play();
    say(gettext("Looking for a QR code…"));
    loop();
  }

  function readFile(file) {
    const image = new Image();
    const url = URL.createObjectURL(file);
    image.onload = function () {
      const scale = Math.min(1, 1600 / Math.max(image.width, image.height));
      const width = Math.round(image.width * scale);
      const height = Math.round(image.height * scale);
      canvas.width = width;
      canvas.height = height;
      context.drawImage(image, 0, 0, width, height);
      URL.revokeObjectURL(url);
      const text = readCanvas(width, height);
      if (text) submit(text);
      else say(gettext("No QR code found in this photo. Try again closer, or type the code."));
    };
    image.onerror = function () {
      URL.revokeObjectURL(url);
      say(gettext("This file is not a picture."));
    };
    image.src = url;
  }

  root.querySelector("[data-scanner-start]").addEventListener("click", start);
  root.querySelector("[data-scanner-file]").addEventListener("change", function (event) {
    if (event.target.files && event.target.files[0]) readFile(event.target.files[0]);
  });
})();

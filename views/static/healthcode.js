/* The health-code pages: the family member's part of the declaration shown when chosen,
   and on the code page a clock that ticks (a screenshot does not) and a new QR code
   every minute from GET /healthcode/token. */
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function declaration(form) {
    var proxy = document.getElementById("proxy");
    function update() {
      var family = form.querySelector('input[name="for_whom"][value="family"]').checked;
      proxy.hidden = !family;
    }
    Array.prototype.forEach.call(form.querySelectorAll('input[name="for_whom"]'), function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  function codePage(card) {
    var clock = document.getElementById("code-time");
    var qr = document.getElementById("code-qr");
    var colour = document.getElementById("code-colour");
    function tick() {
      var now = new Date();
      try {  // the province's time (the server's TIMEZONE), whatever the phone's zone
        clock.textContent = now.toLocaleString("sv-SE", {timeZone: card.dataset.timezone, hour12: false});
      } catch (error) {
        clock.textContent = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) + " " +
          pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
      }
    }
    function refresh() {
      fetch(card.dataset.tokenUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          // 410: this phone has had the person too long; the page says so and how to go on.
          if (response.status === 410) { window.location.reload(); return Promise.reject(410); }
          return response.ok ? response.json() : Promise.reject(response.status);
        })
        .then(function (data) {
          // The colour changed (a rule fired): show the page again, as the server renders it.
          if ((data.colour || "") !== colour.dataset.colour) { window.location.reload(); return; }
          if (qr && data.qr) { qr.src = data.qr; }
        })
        .catch(function () { /* the old QR stays until it expires; the next minute tries again */ });
    }
    tick();
    window.setInterval(tick, 1000);
    window.setInterval(refresh, Number(card.dataset.step || 60) * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("declare-form");
    if (form) { declaration(form); }
    var card = document.getElementById("code-card");
    if (card) { codePage(card); }
  });
})();

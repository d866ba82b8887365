// The venue page: scan as one of the device's people, then the colour full screen with a
// running clock (a screenshot does not tick) for the doorkeeper.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("venue-data").textContent);
  var texts = data.texts, screen = document.getElementById("scan-screen"), timer = null;

  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var now = new Date();
    document.getElementById("scan-clock").textContent =
      now.getFullYear() + "-" + two(now.getMonth() + 1) + "-" + two(now.getDate()) + " " +
      two(now.getHours()) + ":" + two(now.getMinutes()) + ":" + two(now.getSeconds());
  }

  function verdict(answer) {
    if (answer.admitted) { return answer.colour === "green" ? texts.admitted : texts.medical; }
    return answer.colour === "none" ? texts.refused + " · " + texts.no_code : texts.refused;
  }

  function show(answer) {
    screen.className = "scan-screen " + answer.colour + (answer.admitted ? " admitted" : " refused");
    document.getElementById("scan-colour").textContent = texts.colours[answer.colour] || answer.colour;
    document.getElementById("scan-verdict").textContent = verdict(answer);
    document.getElementById("scan-name").textContent = answer.name || "";
    screen.hidden = false;
    tick();
    timer = setInterval(tick, 1000);
  }

  function scan(person) {
    var headers = {"Content-Type": "application/json"};
    if (document.documentElement.lang) { headers["Accept-Language"] = document.documentElement.lang; }
    fetch(data.scan_url, {method: "POST", headers: headers, credentials: "same-origin",
                          body: JSON.stringify({person: person})})
      .then(function (response) {
        return response.json().then(function (body) { return {ok: response.ok, body: body}; });
      })
      .then(function (result) {
        if (result.ok) { show(result.body); } else { alert(result.body.message || texts.failed); }
      })
      .catch(function () { alert(texts.failed); });
  }

  var buttons = document.querySelectorAll(".scan-person");
  buttons.forEach(function (button) {
    button.addEventListener("click", function () { scan(button.getAttribute("data-person")); });
  });
  document.getElementById("scan-close").addEventListener("click", function () {
    screen.hidden = true;
    clearInterval(timer);
  });
  if (data.auto && buttons.length) { scan(buttons[0].getAttribute("data-person")); }
}());

/* The report form (public page and staff paper entry) and the receipt page.
   Plain JavaScript for phones: cascading region pickers loading one level at a time
   from /api/v1/public/regions, a family of several people filed in one request, and
   the errors of the API shown at their fields. */
(function () {
  "use strict";

  var PERSON_FIELDS = ["name", "id_type", "id_number", "phone", "gender", "proxy_relation", "fever",
    "cough", "fatigue", "other_symptoms", "risk_area_14d", "abroad_14d", "close_contact_14d"];

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function messages(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : {}; }
  function show(el, visible) { if (el) { el.hidden = !visible; } }

  function api(method, url, body, headers) {
    var options = {method: method, credentials: "same-origin",
      headers: Object.assign({"Accept": "application/json"}, headers || {})};
    // The API answers in the page's language, not the browser's.
    if (document.documentElement.lang) { options.headers["Accept-Language"] = document.documentElement.lang; }
    // Staff pages (paper entry) write with the session: they carry the page's CSRF token.
    var csrf = document.querySelector('meta[name="csrf-token"]');
    if (csrf && method !== "GET") { options.headers["X-CSRFToken"] = csrf.content; }
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {status: response.status, ok: response.ok, data: data};
      });
    });
  }

  // ---- errors shown at their fields ----------------------------------------------------
  function clearErrors(form) {
    $all(".field .error", form).forEach(function (el) { el.textContent = ""; });
    $all(".field.invalid", form).forEach(function (el) { el.classList.remove("invalid"); });
  }

  function showError(container, field, text) {
    var wrap = container && $('[data-field="' + field + '"]', container);
    if (!wrap) { return false; }
    wrap.classList.add("invalid");
    $(".error", wrap).textContent = text;
    return true;
  }

  function showMessage(el, text, kind) {
    if (!el) { return; }
    el.textContent = text;
    el.className = "form-message " + (kind || "error");
    show(el, !!text);
    if (text) { el.scrollIntoView({block: "center"}); }
  }

  // ---- cascading region pickers ----------------------------------------------------------
  function Cascade(el, labels) {
    this.el = el;
    this.hidden = $('input[type="hidden"]', el);
    this.levels = $(".cascade-levels", el);
    this.target = Number(el.dataset.targetLevel);
    this.rootLevel = Number(el.dataset.rootLevel || 0);
    this.labels = JSON.parse(el.dataset.levelLabels || "{}");
    this.ui = labels;
    this.reset();
  }

  Cascade.prototype.reset = function () {
    this.levels.innerHTML = "";
    this.hidden.value = "";
    var root = this.el.dataset.root || "";
    if (this.rootLevel >= this.target) {  // a community's own staff: nothing to choose
      this.hidden.value = root;
      var fixed = document.createElement("div");
      fixed.className = "fixed-region";
      fixed.textContent = this.el.dataset.rootLabel || root;
      this.levels.appendChild(fixed);
      return;
    }
    this.addLevel(this.rootLevel + 1, root);
  };

  Cascade.prototype.addLevel = function (level, parent) {
    var self = this;
    var box = document.createElement("div");
    box.className = "cascade-level";
    box.dataset.level = level;
    var caption = document.createElement("span");
    caption.className = "level-label";
    caption.textContent = this.labels[String(level)] || "";
    var filter = document.createElement("input");
    filter.type = "search";
    filter.placeholder = this.ui.filter || "";
    filter.hidden = true;
    var select = document.createElement("select");
    select.name = "_level" + level;
    select.setAttribute("aria-label", caption.textContent);
    box.appendChild(caption);
    box.appendChild(filter);
    box.appendChild(select);
    this.levels.appendChild(box);
    api("GET", "/api/v1/public/regions?parent=" + encodeURIComponent(parent)).then(function (result) {
      var regions = Array.isArray(result.data) ? result.data : [];
      box.regions = regions;
      self.fill(select, regions, "");
      filter.hidden = regions.length <= 12;
      // A poster's link (/report/?to=<code>) fills the destination in, level by level.
      var preset = self.el.dataset.preset || "";
      var step = regions.filter(function (region) { return preset.indexOf(region.code) === 0; })[0];
      if (step) {
        select.value = step.code;
        select.dispatchEvent(new Event("change"));
      }
    });
    filter.addEventListener("input", function () { self.fill(select, box.regions || [], filter.value.trim()); });
    select.addEventListener("change", function () {
      self.trim(level);
      self.hidden.value = "";
      if (!select.value) { return; }
      if (level >= self.target) { self.hidden.value = select.value; }
      else { self.addLevel(level + 1, select.value); }
    });
  };

  Cascade.prototype.fill = function (select, regions, term) {
    var current = select.value;
    select.innerHTML = "";
    var empty = document.createElement("option");
    empty.value = "";
    empty.textContent = this.ui.choose || "";
    select.appendChild(empty);
    regions.forEach(function (region) {
      if (term && region.name.indexOf(term) < 0 && region.code.indexOf(term) !== 0) { return; }
      var option = document.createElement("option");
      option.value = region.code;
      option.textContent = region.name;
      select.appendChild(option);
    });
    select.value = current;
  };

  Cascade.prototype.trim = function (level) {
    $all(".cascade-level", this.levels).forEach(function (box) {
      if (Number(box.dataset.level) > level) { box.remove(); }
    });
  };

  // ---- the report form ------------------------------------------------------------------
  function ReportForm(form) {
    var self = this;
    this.form = form;
    this.text = messages("report-messages");
    this.people = $("#people", form);
    this.template = $("#person-template");
    this.cascades = $all(".cascade", form).map(function (el) { return new Cascade(el, self.text); });
    this.addPerson();
    $("#add-person", form).addEventListener("click", function () { self.addPerson(); });
    $all('input[name="_for"]', form).forEach(function (radio) {
      radio.addEventListener("change", function () {
        show($("#filer", form), self.forOthers());
        $("#add-person span", form).textContent = self.forOthers() ? self.text.add_traveller : self.text.add_person;
        self.renumber();
      });
    });
    $("#backfill", form).addEventListener("change", function (event) {
      show($("#arrived-wrap", form), event.target.checked);
      show($("#expected-wrap", form), !event.target.checked);
    });
    var country = $('select[name="origin_country"]', form);
    country.addEventListener("change", function () {
      show($('[data-field="origin_region_code"]', form), country.value === "CN");
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); self.submit(); });
    $("#file-another").addEventListener("click", function () { window.location.reload(); });
  }

  ReportForm.prototype.addPerson = function () {
    var self = this;
    var node = this.template.content.firstElementChild.cloneNode(true);
    this.people.appendChild(node);
    var idType = $('select[name="id_type"]', node);
    idType.addEventListener("change", function () {
      show($(".other-id", node), idType.value !== "resident_id");
    });
    $(".remove-person", node).addEventListener("click", function () { node.remove(); self.renumber(); });
    this.renumber();
    if (this.persons().length > 1) { $('input[name="name"]', node).focus(); }
  };

  ReportForm.prototype.persons = function () { return $all(".person", this.people); };

  // Filing for someone else without travelling oneself: the filer gives their own name
  // and phone, and every person listed is a traveller with their relation to the filer.
  ReportForm.prototype.forOthers = function () {
    var choice = $("#for-others", this.form);
    return !!(choice && choice.checked);
  };

  ReportForm.prototype.renumber = function () {
    var others = this.forOthers();
    this.persons().forEach(function (node, index) {
      var title = $(".person-title", node);
      if (others) { title.textContent = title.dataset.traveller + " " + (index + 1); }
      else { title.textContent = index === 0 ? title.dataset.first : title.dataset.other + " " + index; }
      show($(".remove-person", node), index > 0);
      show($(".relation", node), others || index > 0);
    });
  };

  function values(container, names) {
    var result = {};
    $all("input[name], select[name]", container).forEach(function (input) {
      if (names && names.indexOf(input.name) < 0) { return; }
      if (input.name.charAt(0) === "_") { return; }
      if (input.type === "checkbox") { result[input.name] = input.checked; }
      else if (input.value.trim() !== "") { result[input.name] = input.value.trim(); }
    });
    return result;
  }

  ReportForm.prototype.collect = function () {
    var form = this.form;
    var shared = {};
    var sharedValues = values(form);
    Object.keys(sharedValues).forEach(function (key) {
      if (PERSON_FIELDS.indexOf(key) < 0) { shared[key] = sharedValues[key]; }
    });
    if ($("#backfill", form).checked) { shared.expected_arrival_at = shared.arrived_at; }
    else { delete shared.arrived_at; }
    if (shared.origin_country !== "CN") { delete shared.origin_region_code; }
    var people = this.persons().map(function (node) { return values(node, PERSON_FIELDS); });
    var first = people[0], others = this.forOthers();
    if (!others) { delete shared.proxy_name; delete shared.proxy_phone; }
    return people.map(function (person, index) {
      var filing = Object.assign({}, shared, person);
      if (filing.id_type === "resident_id") { delete filing.gender; }
      if (others) { return filing; }
      if (index === 0) { delete filing.proxy_relation; }
      else { filing.proxy_name = first.name; filing.proxy_phone = first.phone; }
      return filing;
    });
  };

  ReportForm.prototype.submit = function () {
    var self = this, form = this.form;
    var filings = this.collect();
    var staff = form.dataset.staff === "1";
    var many = filings.length > 1;
    var headers = staff ? {} : {"X-Filing-Channel": "web"};
    var button = $("#submit-report", form);
    clearErrors(form);
    showMessage($("#form-message", form), "");
    button.disabled = true;
    api("POST", many ? form.dataset.batchUrl : form.dataset.submitUrl, many ? {filings: filings} : filings[0], headers)
      .then(function (result) {
        button.disabled = false;
        if (result.ok) { self.done(result.data.filings || [result.data], filings); return; }
        self.showErrors(result.data);
      }, function () {
        button.disabled = false;
        showMessage($("#form-message", form), self.text.failed);
      });
  };

  // Every error the server found, at its field; one with no field on the page goes
  // into the message above the form, so none is left unsaid.
  ReportForm.prototype.showErrors = function (data) {
    var self = this, persons = this.persons();
    var errors = data.errors || {}, unplaced = [];
    Object.keys(errors).forEach(function (key) {
      var match = /^filings\.(\d+)\.(.+)$/.exec(key);
      var index = match ? Number(match[1]) : 0, field = match ? match[2] : key;
      var text = [].concat(errors[key]).join(" ");
      if (!showError(persons[index], field, text) && !showError(self.form, field, text)) { unplaced.push(text); }
    });
    showMessage($("#form-message", this.form), [data.message || this.text.fix].concat(unplaced).join(" "));
  };

  ReportForm.prototype.done = function (created, sent) {
    var text = this.text, list = $("#receipts");
    var staff = this.form.dataset.staff === "1";
    list.innerHTML = "";
    created.forEach(function (item, index) {
      var link = "/report/receipt/" + item.receipt + "#t=" + encodeURIComponent(item.token);
      try { window.localStorage.setItem("filing-token:" + item.receipt, item.token); } catch (e) { /* private mode */ }
      var card = document.createElement("div");
      card.className = "receipt-line";
      var name = document.createElement("div");
      name.className = "receipt-name";
      name.textContent = sent[index].name;
      var code = document.createElement("div");
      code.className = "receipt-code";
      code.textContent = item.receipt;
      var open = document.createElement("a");
      open.href = link;
      open.className = "button";
      open.textContent = text.open;
      card.appendChild(name);
      card.appendChild(code);
      if (staff) {
        var secret = document.createElement("div");
        secret.className = "receipt-token";
        secret.textContent = text.token + ": " + item.token;
        card.appendChild(secret);
        if (item.id) {
          var filingLink = document.createElement("a");
          filingLink.href = "/filingview/show/" + item.id;
          filingLink.className = "button secondary";
          filingLink.textContent = text.open_filing;
          card.appendChild(filingLink);
        }
      }
      card.appendChild(open);
      list.appendChild(card);
    });
    show($("#late-notice"), created.some(function (item) { return item.late_notice; }));
    show(this.form, false);
    show($("#report-result"), true);
    $("#report-result").scrollIntoView({block: "start"});
  };

  // ---- the receipt page -------------------------------------------------------------------
  function ReceiptPage(card) {
    var self = this;
    this.card = card;
    this.url = card.dataset.apiUrl;
    this.receipt = card.dataset.receipt;
    this.text = messages("receipt-messages");
    this.form = $("#edit-form");
    var fromLink = /[#&]t=([^&]+)/.exec(window.location.hash || "");
    var stored = null;
    try { stored = window.localStorage.getItem("filing-token:" + this.receipt); } catch (e) { /* private mode */ }
    this.token = fromLink ? decodeURIComponent(fromLink[1]) : stored;
    $("#token-form").addEventListener("submit", function (event) {
      event.preventDefault();
      self.token = $('#token-form input[name="token"]').value.trim();
      self.load(true);
    });
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.save(); });
    $("#cancel-filing").addEventListener("click", function () { self.cancel(); });
    if (this.token) { this.load(false); }
  }

  ReceiptPage.prototype.headers = function () { return {"X-Filing-Token": this.token}; };

  ReceiptPage.prototype.load = function (typed) {
    var self = this;
    api("GET", this.url, undefined, this.headers()).then(function (result) {
      if (!result.ok) {
        if (typed) { $("#token-error").textContent = self.text.wrong_token; }
        return;
      }
      try { window.localStorage.setItem("filing-token:" + self.receipt, self.token); } catch (e) { /* private mode */ }
      show($("#token-card"), false);
      show(self.card, true);
      self.render(result.data);
    });
  };

  function localInput(iso) { return iso ? iso.slice(0, 16) : ""; }
  function localText(iso) { return iso ? iso.slice(0, 16).replace("T", " ") : ""; }

  ReceiptPage.prototype.render = function (filing) {
    var text = this.text, labels = text.labels, details = $("#filing-details");
    this.filing = filing;
    var rows = [
      ["status", text.status_labels[filing.status] || filing.status], ["name", filing.name],
      ["id_number", filing.id_number], ["phone", filing.phone],
      ["expected_arrival_at", localText(filing.expected_arrival_at)],
      ["departure_at", localText(filing.departure_at)],
      ["transport_mode", (text.transport[filing.transport_mode] || filing.transport_mode) +
        (filing.transport_no ? " " + filing.transport_no : "")],
      ["origin_name", filing.origin_name || filing.origin_country],
      ["destination_name", filing.destination_name], ["destination_address", filing.destination_address]];
    details.innerHTML = "";
    rows.forEach(function (row) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = labels[row[0]];
      dd.textContent = row[1] || "";
      details.appendChild(dt);
      details.appendChild(dd);
    });
    $("#receipt-status").textContent = text.status_labels[filing.status] || filing.status;
    $("#edits-left").textContent = text.edits_left.replace("{n}", filing.edits_left);
    show($("#edits-left"), filing.can_cancel);
    show($("#no-edits"), filing.edits_left === 0 && filing.can_cancel);
    $("#no-edits").textContent = text.no_edits;
    // No edit form once the edits are used up, the filing is cancelled or the arrival passed.
    show(this.form, filing.can_edit);
    show($("#cancel-filing"), filing.can_cancel);
    if (filing.can_edit && /[#&]edit(&|$)/.test(window.location.hash || "")) { this.form.scrollIntoView({block: "start"}); }
    var form = this.form;
    ["expected_arrival_at", "departure_at"].forEach(function (name) {
      $('[name="' + name + '"]', form).value = localInput(filing[name]);
    });
    ["transport_mode", "transport_no", "transit", "destination_address", "origin_address", "work_unit"].forEach(function (name) {
      $('[name="' + name + '"]', form).value = filing[name] || "";
    });
    $('[name="phone"]', form).value = "";
    $('[name="phone"]', form).placeholder = filing.phone || "";
    ["fever", "cough", "fatigue", "risk_area_14d", "abroad_14d", "close_contact_14d"].forEach(function (name) {
      $('[name="' + name + '"]', form).checked = !!filing[name];
    });
  };

  ReceiptPage.prototype.changes = function () {
    var filing = this.filing, current = values(this.form), changes = {};
    Object.keys(current).forEach(function (name) {
      var before = filing[name];
      if (name === "expected_arrival_at" || name === "departure_at") { before = localInput(before); }
      if (typeof current[name] === "boolean") { before = !!before; }
      if (current[name] !== (before === null || before === undefined ? "" : before)) { changes[name] = current[name]; }
    });
    return changes;
  };

  ReceiptPage.prototype.save = function () {
    var self = this, message = $("#edit-message");
    clearErrors(this.form);
    api("PUT", this.url, this.changes(), this.headers()).then(function (result) {
      if (result.ok) {
        self.render(result.data);
        showMessage(message, self.text.saved, "success");
        return;
      }
      Object.keys(result.data.errors || {}).forEach(function (field) {
        showError(self.form, field, [].concat(result.data.errors[field]).join(" "));
      });
      showMessage(message, result.data.message || self.text.failed);
    }, function () { showMessage(message, self.text.failed); });
  };

  ReceiptPage.prototype.cancel = function () {
    var self = this, message = $("#edit-message");
    if (!window.confirm(this.text.confirm_cancel)) { return; }
    api("DELETE", this.url, undefined, this.headers()).then(function (result) {
      if (result.ok) {
        self.render(result.data);
        showMessage(message, self.text.cancelled, "success");
        return;
      }
      showMessage(message, result.data.message || self.text.failed);
    });
  };

  // ---- my filings: ID number, phone and an SMS code --------------------------------------
  function MyFilings(card) {
    var self = this;
    this.card = card;
    this.form = $("#mine-form");
    this.text = messages("mine-messages");
    $("#send-code").addEventListener("click", function () { self.ask(); });
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.open(); });
  }

  MyFilings.prototype.person = function () { return values(this.form, ["id_number", "phone"]); };

  MyFilings.prototype.fail = function (result) {
    var self = this, errors = (result.data && result.data.errors) || {};
    Object.keys(errors).forEach(function (field) { showError(self.form, field, [].concat(errors[field]).join(" ")); });
    showMessage($("#mine-message"), (result.data && result.data.message) || this.text.failed);
  };

  MyFilings.prototype.ask = function () {
    var self = this, button = $("#send-code");
    clearErrors(this.form);
    showMessage($("#mine-message"), "");
    button.disabled = true;
    api("POST", this.card.dataset.otpUrl, this.person()).then(function (result) {
      button.disabled = false;
      if (!result.ok) { self.fail(result); return; }
      showMessage($("#mine-message"), self.text.sent, "success");
      show($("#otp-field"), true);
      show($("#open-mine"), true);
      $('input[name="otp"]', self.form).focus();
    }, function () { button.disabled = false; showMessage($("#mine-message"), self.text.failed); });
  };

  MyFilings.prototype.open = function () {
    var self = this;
    clearErrors(this.form);
    showMessage($("#mine-message"), "");
    api("POST", this.card.dataset.listUrl, values(this.form, ["id_number", "phone", "otp"])).then(function (result) {
      if (!result.ok) { self.fail(result); return; }
      show(self.card, false);
      show($("#mine-list"), true);
      self.render(result.data.filings || []);
    }, function () { showMessage($("#mine-message"), self.text.failed); });
  };

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  MyFilings.prototype.render = function (filings) {
    var self = this, text = this.text, list = $("#mine-items");
    list.innerHTML = "";
    show($("#mine-empty"), filings.length === 0);
    $("#mine-expiry").textContent = filings.length ? text.expiry : "";
    filings.forEach(function (filing) {
      var item = element("div", "mine-item");
      item.dataset.receipt = filing.receipt;
      var head = element("div", "mine-head");
      head.appendChild(element("span", "mine-name", filing.name));
      head.appendChild(element("span", "status status-" + filing.status, text.status_labels[filing.status] || filing.status));
      item.appendChild(head);
      item.appendChild(element("div", "mine-code", filing.receipt));
      var who = filing.self ? text.self : filing.proxy_relation ?
        text.relation.replace("{relation}", text.relation_labels[filing.proxy_relation] || filing.proxy_relation) : "";
      var meta = [text.arrival + " " + localText(filing.expected_arrival_at), filing.destination_name || "", who];
      item.appendChild(element("div", "mine-meta", meta.filter(Boolean).join(" · ")));
      if (filing.can_edit) { item.appendChild(element("div", "mine-meta edits", text.edits_left.replace("{n}", filing.edits_left))); }
      var actions = element("div", "mine-actions");
      var link = "/report/receipt/" + filing.receipt + "#t=" + encodeURIComponent(filing.token);
      var view = element("a", "button view", text.view);
      view.href = link;
      actions.appendChild(view);
      if (filing.can_edit) {
        var edit = element("a", "button edit", text.edit);
        edit.href = link + "&edit";
        actions.appendChild(edit);
      }
      if (filing.can_cancel) {
        var cancel = element("button", "danger cancel", text.cancel);
        cancel.type = "button";
        cancel.addEventListener("click", function () { self.cancel(filing, item); });
        actions.appendChild(cancel);
      }
      item.appendChild(actions);
      list.appendChild(item);
    });
  };

  MyFilings.prototype.cancel = function (filing, item) {
    var self = this, message = $("#list-message");
    if (!window.confirm(this.text.confirm_cancel)) { return; }
    api("DELETE", "/api/v1/public/filings/" + filing.receipt, undefined, {"X-Filing-Token": filing.token}).then(function (result) {
      if (!result.ok) { showMessage(message, result.data.message || self.text.failed); return; }
      var status = $(".status", item);
      status.className = "status status-cancelled";
      status.textContent = self.text.status_labels.cancelled;
      $all(".edit, .cancel, .edits", item).forEach(function (node) { node.remove(); });
      showMessage(message, self.text.cancelled, "success");
    }, function () { showMessage(message, self.text.failed); });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var mine = document.getElementById("mine-ask");
    if (mine) { new MyFilings(mine); }
    var form = document.getElementById("report-form");
    if (form) { new ReportForm(form); }
    var card = document.getElementById("filing-card");
    if (card) { new ReceiptPage(card); }
    // A region picker of another page's form (the health declaration's residence).
    $all(".cascade[data-standalone]").forEach(function (el) { new Cascade(el, messages("cascade-messages")); });
  });
})();

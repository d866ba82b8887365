/* Console-wide behaviour. Runs before FAB's own ready handlers, so the defaults below
   apply to every select2 on the page (FAB's related fields too). */
(function ($) {
  var words = $("#console-i18n").data() || {};
  $.fn.select2.defaults.set("language", {
    searching: function () { return words.searching; },
    noResults: function () { return words.noResults; },
    inputTooShort: function () { return words.inputTooShort; },
    loadingMore: function () { return words.searching; },
    errorLoading: function () { return words.errorLoading; }
  });

  /* Searchable region fields: server-side search, never a 52,000-row list. */
  function initRegionSearch(el) {
    var $el = $(el);
    $el.select2({
      width: "100%",
      allowClear: true,
      placeholder: $el.data("placeholder"),
      minimumInputLength: 1,
      ajax: {
        url: $el.data("url"),
        dataType: "json",
        delay: 250,
        data: function (params) {
          var q = { q: params.term };
          if ($el.data("level")) { q.level = $el.data("level"); }
          return q;
        },
        processResults: function (data) { return { results: data.results }; }
      }
    });
  }
  $(function () { $("select.region-search").each(function () { initRegionSearch(this); }); });

  /* A ledger import running as a job: poll its state, move the bar, and show the
     result (the job's page again) when it has finished. */
  $(function () {
    var $job = $(".import-job[data-status-url]");
    if (!$job.length) { return; }
    var $bar = $job.find(".progress-bar"), $label = $job.find(".import-job-label");
    function poll() {
      $.getJSON($job.data("status-url")).done(function (state) {
        if (state.finished) { window.location.replace($job.data("done-url")); return; }
        $bar.css("width", state.percent + "%").attr("aria-valuenow", state.percent).text(state.percent + "%");
        $label.text(state.label);
        window.setTimeout(poll, 1000);
      }).fail(function () { window.setTimeout(poll, 3000); });
    }
    poll();
  });
})(jQuery);

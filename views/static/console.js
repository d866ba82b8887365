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
})(jQuery);

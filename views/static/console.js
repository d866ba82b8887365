/* Searchable region fields: select2 with server-side search (never a 52,000-row list). */
(function ($) {
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

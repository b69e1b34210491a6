(function () {
  var kinds = ['pass', 'fail', 'blocked', 'xfail', 'error', 'absent'];
  document.querySelectorAll('tfoot th[id^=total-]').forEach(function (th) {
    var col = th.id.slice(6);
    var counts = kinds.map(function (k) { return document.querySelectorAll('#matrix td.' + k + '[data-col="' + col + '"]').length; });
    th.textContent = counts.join(' / ');
    if (counts.join('/') !== th.dataset.expected) { console.error('totals differ for column ' + col); }
  });
  document.getElementById('filter').addEventListener('input', function (e) {
    var q = e.target.value.toLowerCase();
    document.querySelectorAll('tr.row').forEach(function (r) {
      r.classList.toggle('hidden', q !== '' && r.textContent.toLowerCase().indexOf(q) < 0);
    });
  });
})();

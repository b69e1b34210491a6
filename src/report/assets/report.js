(function () {
  var box = document.getElementById('filter');
  function apply() {
    var q = box.value.toLowerCase();
    var shown = 0;
    document.querySelectorAll('.case').forEach(function (c) {
      var hide = q !== '' && c.textContent.toLowerCase().indexOf(q) < 0 && c.dataset.name.toLowerCase().indexOf(q) < 0;
      c.classList.toggle('hidden', hide);
      if (!hide) { shown += 1; }
    });
    document.getElementById('shown').textContent = shown;
  }
  box.addEventListener('input', apply);
  if (location.hash.length > 1) { box.value = decodeURIComponent(location.hash.slice(1)); }
  apply();
})();

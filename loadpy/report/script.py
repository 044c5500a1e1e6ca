"""The report's inline scripts, plain JavaScript with no library (the page's CSP allows no fetch).

CHARTS binds every chart drawn by loadpy.report.svg: hover read-out, drag to zoom on the time
axis (the plot <g> is stretched, the time ticks redrawn with the same steps as svg.TIME_STEPS),
double-click to reset, legend buttons that hide and show a line. Zoom and hidden lines live in
`window.loadpyCharts`, so the live dashboard keeps them when it swaps in a new snapshot and calls
`window.loadpyInit()` again. It marks each chart and the body data-rendered="true" once its paths
are laid out (what the headless-browser tests check).

LIVE (the dashboard page only) listens to the server's `snapshot` events and swaps them in.
"""

CHARTS = r"""
(function(){
  var state = window.loadpyCharts = window.loadpyCharts || {zoom: {}, hidden: {}};
  function trim(s){ return s.indexOf('.') < 0 ? s : s.replace(/0+$/, '').replace(/\.$/, ''); }
  function clock(s){
    if (Math.abs(s) < 10 && s !== Math.round(s)) return trim(s.toFixed(1)) + 's';
    s = Math.round(s); var h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
    if (h) return m ? h + 'h' + m + 'm' : h + 'h';
    if (m) return sec ? m + 'm' + sec + 's' : m + 'm';
    return sec + 's';
  }
  function num(v){
    var a = Math.abs(v);
    if (v === Math.round(v) || a >= 1000) return Math.round(v).toLocaleString('en-US');
    if (a >= 100) return trim(v.toFixed(1));
    if (a >= 1) return trim(v.toFixed(2));
    return trim(v.toFixed(Math.min(20, 2 - Math.floor(Math.log10(a)))));  // no exponent notation
  }
  function ms(v){
    var a = Math.abs(v);
    if (v === 0) return '0s';
    if (a < 1) return trim((v * 1000).toFixed(2)) + '\u00b5s';
    if (a < 1000) return trim(v.toFixed(2)) + 'ms';
    if (a < 60000) return trim((v / 1000).toFixed(2)) + 's';
    return clock(v / 1000);
  }
  function fmt(v, kind){
    if (v === null || v === undefined || !isFinite(v)) return '-';
    return kind === 'ms' ? ms(v) : kind === 'per_s' ? num(v) + '/s' : num(v);
  }
  function init(){
    var data = JSON.parse(document.getElementById('loadpy-chart-data').textContent);
    var charts = data.charts || {}, steps = data.time_steps || [1];
    var ok = 0, all = document.querySelectorAll('svg.chart-svg');
    all.forEach(function(svg){
      var id = svg.dataset.chart, spec = charts[id]; if (!spec) return;
      var fig = svg.closest('figure'), tip = fig.querySelector('.tip'), cur = svg.querySelector('.cursor');
      var sel = svg.querySelector('.selection'), plot = svg.querySelector('g.plot');
      var ticks = svg.querySelector('g.xticks');
      var original = ticks.innerHTML, drag = null;
      var x0 = +svg.dataset.x0, x1 = +svg.dataset.x1, y0 = +svg.dataset.y0, tmax = +svg.dataset.tmax;
      function win(){ return state.zoom[id] || [0, tmax]; }
      function tAt(vx){ var w = win(); return w[0] + (vx - x0) / (x1 - x0) * (w[1] - w[0]); }
      function xOf(t){ var w = win(); return x0 + (t - w[0]) / (w[1] - w[0]) * (x1 - x0); }
      function vxOf(ev){
        var r = svg.getBoundingClientRect(); return (ev.clientX - r.left) / r.width * svg.viewBox.baseVal.width; }
      function hiddenKey(label){ return id + '\u0000' + label; }
      function apply(){
        var w = state.zoom[id];
        if (!w){
          plot.removeAttribute('transform'); ticks.innerHTML = original; svg.removeAttribute('data-zoom');
        } else {
          var k = tmax / (w[1] - w[0]), a = x0 + w[0] / tmax * (x1 - x0), span = w[1] - w[0];
          var step = steps[steps.length - 1];
          plot.setAttribute('transform', 'translate(' + x0 + ',0) scale(' + k + ',1) translate(' + (-a) + ',0)');
          for (var i = 0; i < steps.length; i++){ if (span / steps[i] <= 8){ step = steps[i]; break; } }
          var html = '';
          for (var n = Math.ceil(w[0] / step - 1e-9); n * step <= w[1] + 1e-9; n++){
            var x = xOf(n * step).toFixed(1);
            html += '<line class="tick" x1="' + x + '" x2="' + x + '" y1="' + y0 + '" y2="' + (y0 + 4) + '"/>' +
              '<text class="xlabel" x="' + x + '" y="' + (y0 + 18) + '">' + clock(n * step) + '</text>';
          }
          ticks.innerHTML = html;
          svg.setAttribute('data-zoom', w[0].toFixed(3) + ':' + w[1].toFixed(3));
        }
        fig.querySelectorAll('path.series').forEach(function(p){
          p.style.display = state.hidden[hiddenKey(p.dataset.series)] ? 'none' : ''; });
        fig.querySelectorAll('button.toggle').forEach(function(b){
          b.setAttribute('aria-pressed', state.hidden[hiddenKey(b.dataset.series)] ? 'false' : 'true'); });
      }
      function hover(vx){
        var t = tAt(vx), best = -1, gap = Infinity;
        spec.xs.forEach(function(x, i){ var d = Math.abs(x - t); if (d < gap){ gap = d; best = i; } });
        if (best < 0) return;
        var px = xOf(spec.xs[best]);
        cur.setAttribute('x1', px); cur.setAttribute('x2', px); cur.setAttribute('visibility', 'visible');
        tip.textContent = 't=' + clock(spec.xs[best]) + spec.lines.filter(function(l){
          return !state.hidden[hiddenKey(l.label)]; }).map(function(l){
          return '\n' + l.label + ': ' + fmt(l.values[best], spec.kind); }).join('');
        tip.hidden = false;
      }
      svg.onmousedown = function(ev){
        var vx = vxOf(ev); if (ev.button !== 0 || vx < x0 || vx > x1) return;
        drag = vx; ev.preventDefault();
      };
      svg.onmousemove = function(ev){
        var vx = vxOf(ev);
        if (drag !== null){
          var a = Math.max(x0, Math.min(drag, vx)), b = Math.min(x1, Math.max(drag, vx));
          sel.setAttribute('x', a); sel.setAttribute('width', b - a); sel.setAttribute('visibility', 'visible');
        }
        hover(vx);
      };
      svg.onmouseup = function(ev){
        if (drag === null) return;
        var vx = Math.max(x0, Math.min(x1, vxOf(ev))), a = Math.min(drag, vx), b = Math.max(drag, vx);
        drag = null; sel.setAttribute('visibility', 'hidden');
        if (b - a >= 4){ state.zoom[id] = [tAt(a), tAt(b)]; apply(); }
      };
      svg.onmouseleave = function(){ drag = null; sel.setAttribute('visibility', 'hidden');
        cur.setAttribute('visibility', 'hidden'); tip.hidden = true; };
      svg.ondblclick = function(){ delete state.zoom[id]; apply(); };
      fig.querySelectorAll('button.toggle').forEach(function(b){
        b.onclick = function(){ var key = hiddenKey(b.dataset.series);
          if (state.hidden[key]) delete state.hidden[key]; else state.hidden[key] = true; apply(); };
      });
      apply();
      var paths = svg.querySelectorAll('path.series'), drawn = spec.xs.length === 0 || paths.length > 0;
      paths.forEach(function(p){ if (p.style.display === 'none') return;
        var b = p.getBBox();  // laid out: a line has extent, a lone dot not
        if (!p.getAttribute('d') || !(b.width > 0 || b.height > 0 || spec.xs.length < 2)) drawn = false; });
      if (drawn){ svg.setAttribute('data-rendered', 'true'); ok++; }
    });
    document.body.setAttribute('data-rendered', ok === all.length ? 'true' : 'false');
    document.body.setAttribute('data-charts', String(ok));
  }
  window.loadpyInit = init;
  init();
})();
"""

LIVE = r"""
(function(){
  var status = document.getElementById('live-status'), updates = 0;
  var source = new EventSource('events');
  source.addEventListener('snapshot', function(ev){
    var msg = JSON.parse(ev.data);
    document.getElementById('live-main').innerHTML = msg.main;
    document.getElementById('loadpy-chart-data').textContent = msg.charts;
    status.textContent = msg.status;
    updates++;
    document.body.setAttribute('data-updates', String(updates));
    window.loadpyInit();
  });
  source.addEventListener('done', function(ev){
    status.textContent = JSON.parse(ev.data).status; source.close();
    document.body.setAttribute('data-finished', 'true');
  });
  source.onerror = function(){ if (source.readyState === 2) status.textContent = 'disconnected: the run has ended'; };
})();
"""

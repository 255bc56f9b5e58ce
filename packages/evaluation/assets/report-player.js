// The report's in-page player: a small additive synth (triangle + sine octave, piano-like decay)
// scheduled a second ahead with the Web Audio clock. `window.__pianoLstmPlayer` exposes its state
// for tests. It is plain browser JavaScript (ES5, no modules): report-html.ts inlines this file into
// report.html, whose CSP allows only inline scripts.
(function () {
  'use strict';
  var samples = JSON.parse(document.getElementById('piano-lstm-samples').textContent);
  var player = { context: null, scheduled: 0, playing: null, startedAt: null };
  window.__pianoLstmPlayer = player;
  var timer = null, voices = [], master = null;

  function audio() {
    if (!player.context) {
      var AC = window.AudioContext || window.webkitAudioContext;
      player.context = new AC();
      var comp = player.context.createDynamicsCompressor();
      master = player.context.createGain();
      master.gain.value = 0.8;
      master.connect(comp);
      comp.connect(player.context.destination);
    }
    return player.context;
  }

  function voice(ac, pitch, velocity, start, duration) {
    var freq = 440 * Math.pow(2, (pitch - 69) / 12);
    var peak = 0.03 + 0.12 * (velocity / 127);
    var end = start + Math.max(0.05, duration);
    var env = ac.createGain();
    env.gain.setValueAtTime(0, start);
    env.gain.linearRampToValueAtTime(peak, start + 0.008);
    env.gain.setTargetAtTime(peak * 0.3, start + 0.008, 0.3);
    env.gain.setTargetAtTime(0, end, 0.07);
    var body = ac.createOscillator();
    body.type = 'triangle';
    body.frequency.value = freq;
    var shimmer = ac.createOscillator();
    shimmer.type = 'sine';
    shimmer.frequency.value = freq * 2;
    var shimmerGain = ac.createGain();
    shimmerGain.gain.value = 0.25;
    body.connect(env);
    shimmer.connect(shimmerGain);
    shimmerGain.connect(env);
    env.connect(master);
    [body, shimmer].forEach(function (o) { o.start(start); o.stop(end + 0.5); voices.push(o); });
  }

  function setButton(i, playing) {
    var b = document.querySelector('button.play[data-sample="' + i + '"]');
    if (!b) return;
    b.textContent = playing ? '■ Stop' : '▶ Play';
    b.classList.toggle('playing', playing);
  }

  function playhead(i, quarter) {
    var line = document.querySelector('#roll-' + i + ' .playhead');
    if (!line) return;
    if (quarter === null) { line.setAttribute('visibility', 'hidden'); return; }
    line.setAttribute('x1', String(quarter * 16));
    line.setAttribute('x2', String(quarter * 16));
    line.setAttribute('visibility', 'visible');
  }

  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    voices.forEach(function (o) { try { o.stop(); } catch (e) { /* already stopped */ } });
    voices = [];
    if (player.playing !== null) { setButton(player.playing, false); playhead(player.playing, null); }
    player.playing = null;
  }

  function play(i) {
    stop();
    var ac = audio();
    if (ac.state === 'suspended') ac.resume();
    var s = samples[i];
    var spq = 60 / s.bpm;
    var t0 = ac.currentTime + 0.1;
    var next = 0;
    player.playing = i;
    player.startedAt = t0;
    setButton(i, true);
    function pump() {
      var horizon = ac.currentTime + 1;
      while (next < s.notes.length && t0 + s.notes[next][1] * spq < horizon) {
        var n = s.notes[next++];
        voice(ac, n[0], n[3], t0 + n[1] * spq, n[2] * spq);
        player.scheduled++;
      }
      var q = (ac.currentTime - t0) / spq;
      playhead(i, Math.max(0, q));
      if (next >= s.notes.length && q > s.end + 0.5) stop();
    }
    pump();
    timer = setInterval(pump, 50);
  }

  document.querySelectorAll('button.play').forEach(function (b) {
    b.addEventListener('click', function () {
      var i = Number(b.getAttribute('data-sample'));
      if (player.playing === i) stop(); else play(i);
    });
  });
  player.play = play;
  player.stop = stop;
})();

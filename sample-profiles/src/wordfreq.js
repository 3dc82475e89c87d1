// A small CPU-bound Node program for `node --cpu-prof`: `node wordfreq.js SECONDS`.
// Builds a synthetic text, then in a loop tokenizes it, counts word
// frequencies in a Map, sorts the top words and renders them as JSON;
// a recursive fib on a timer adds a second, deeper call path.
'use strict';

function makeText(words) {
  const vocab = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  const out = [];
  let x = 7;
  for (let i = 0; i < words; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(vocab[x % vocab.length] + (x % 97));
  }
  return out.join(' ');
}

function tokenize(text) {
  return text.split(/\s+/).map((w) => w.toLowerCase());
}

function countWords(tokens) {
  const counts = new Map();
  for (const t of tokens) counts.set(t, (counts.get(t) || 0) + 1);
  return counts;
}

function topWords(counts, n) {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

function render(top) {
  return JSON.stringify(top.map(([word, count]) => ({ word, count })));
}

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

const seconds = Number(process.argv[2] || 2);
const text = makeText(40000);
const end = Date.now() + seconds * 1000;
let rounds = 0;
let fibs = 0;
const timer = setInterval(() => { fibs += fib(22); }, 20);
function round() {
  for (let i = 0; i < 5; i++) {
    render(topWords(countWords(tokenize(text)), 20));
    rounds++;
  }
  if (Date.now() < end) setImmediate(round);
  else {
    clearInterval(timer);
    console.log(rounds, fibs > 0);
  }
}
round();

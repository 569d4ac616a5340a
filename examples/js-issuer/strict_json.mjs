// strict_json.mjs - a strict JSON (RFC 8259) reader for key sets, as
// strict as jansson with JSON_REJECT_DUPLICATES: valid UTF-8 only, no
// duplicate member names, no \u0000, an object or an array at the top,
// integers within the safe range, nesting at most 2048 deep.  Numbers
// written with a fraction or an exponent come back as {real: value}, so
// that a reader asking for an integer can tell.  JSON.parse would take a
// duplicate "k" or "kid" silently; a key set must not.

const MAX_DEPTH = 2048;

// Parses bytes (a Buffer or Uint8Array); throws Error("invalid JSON at
// offset N: why").
export function parseStrictJson(bytes) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error('invalid JSON: not UTF-8');
  }
  let pos = 0;
  const fail = (why) => {
    throw new Error(`invalid JSON at offset ${pos}: ${why}`);
  };
  const ws = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos])) pos++;
  };
  const expect = (ch) => {
    if (text[pos] !== ch) fail(`'${ch}' expected`);
    pos++;
  };
  function string() {
    expect('"');
    let out = '';
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text[pos++];
      if (c === '"') return out;
      if (c < ' ') fail('control character in a string');
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[pos++];
      const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e in simple) {
        out += simple[e];
      } else if (e === 'u') {
        const hex = text.slice(pos, pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
        pos += 4;
        const u = parseInt(hex, 16);
        if (u === 0) fail('\\u0000 is not allowed');
        if (u >= 0xd800 && u <= 0xdbff) {
          const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(text.slice(pos, pos + 6));
          if (!low) fail('lone surrogate');
          pos += 6;
          out += String.fromCharCode(u, parseInt(low[1], 16));
        } else if (u >= 0xdc00 && u <= 0xdfff) {
          fail('lone surrogate');
        } else {
          out += String.fromCharCode(u);
        }
      } else {
        fail('bad escape');
      }
    }
  }
  function number() {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(pos));
    if (!m) fail('bad number');
    pos += m[0].length;
    if (m[2] !== undefined || m[3] !== undefined) return { real: Number(m[0]) };
    const v = Number(m[0]);
    if (!Number.isSafeInteger(v)) fail('too big integer');
    return v;
  }
  function value(depth) {
    if (depth > MAX_DEPTH) fail('too deep');
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj = Object.create(null);
      ws();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        ws();
        const name = string();
        if (Object.prototype.hasOwnProperty.call(obj, name)) fail(`duplicate member "${name}"`);
        ws();
        expect(':');
        obj[name] = value(depth + 1);
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        expect('}');
        return obj;
      }
    }
    if (c === '[') {
      pos++;
      const arr = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        expect(']');
        return arr;
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    return number();
  }
  ws();
  if (text[pos] !== '{' && text[pos] !== '[') fail("'[' or '{' expected");
  const doc = value(1);
  ws();
  if (pos !== text.length) fail('end of file expected');
  return doc;
}

// The link: the editor's text and the changed settings kept in the URL
// fragment, which browsers never send to a server.
//
//   #z=…  deflate-raw of the JSON {t: text, s: settings}, base64url
//   #j=…  the same JSON uncompressed (browsers without CompressionStream)
//   #t=…  a URI-encoded text alone, for links written by hand

const HASH_DELAY_MS = 300;
// Longer fragments are not kept: browsers and chat tools cut them.
export const MAX_FRAGMENT = 1500000;
// Texts this long are not even encoded (that takes the page's thread a while):
// text compresses about tenfold at best, and base64 adds a third.
const MAX_TEXT = 8 * MAX_FRAGMENT;

function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bytesToBase64Url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function base64UrlToBytes(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return base64ToBytes(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
}

async function transform(bytes, stream) {
  const piped = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(piped).arrayBuffer());
}

function parsePayload(json) {
  const payload = JSON.parse(json);
  if (!payload || typeof payload !== 'object' || typeof payload.t !== 'string') throw new Error('no text in the link');
  return payload;
}

/// The fragment (without `#`) for a text and the settings that differ from
/// the defaults; '' for an empty text with default settings.
export async function encodeFragment(text, settings) {
  if (text === '' && Object.keys(settings).length === 0) return '';
  const payload = { t: text };
  if (Object.keys(settings).length > 0) payload.s = settings;
  const json = new TextEncoder().encode(JSON.stringify(payload));
  if (typeof CompressionStream === 'function') {
    return 'z=' + bytesToBase64Url(await transform(json, new CompressionStream('deflate-raw')));
  }
  return 'j=' + bytesToBase64Url(json);
}

/// `{t, s?}` from a fragment (with or without `#`), null if it holds none;
/// throws if it is damaged.
export async function decodeFragment(hash) {
  const fragment = hash.replace(/^#/, '');
  if (fragment.startsWith('z=')) {
    const bytes = await transform(base64UrlToBytes(fragment.slice(2)), new DecompressionStream('deflate-raw'));
    return parsePayload(new TextDecoder().decode(bytes));
  }
  if (fragment.startsWith('j=')) {
    return parsePayload(new TextDecoder().decode(base64UrlToBytes(fragment.slice(2))));
  }
  if (fragment.startsWith('t=')) {
    return { t: decodeURIComponent(fragment.slice(2)) };
  }
  return null;
}

/// Keeps `location.hash` in step with `read()` ({text, settings}).
/// `<html data-link="pending|saved|failed">` says whether the fragment holds
/// the latest text. `onTooLong()` when the text does not fit in a link.
export function createShareLink({ read, onTooLong }) {
  let timer = 0;
  let seq = 0;
  // The fragment this page wrote last: a hashchange to it is no news.
  let written = '';

  async function write() {
    clearTimeout(timer);
    const mine = ++seq;
    const { text, settings } = read();
    let fragment;
    try {
      fragment = text.length > MAX_TEXT ? null : await encodeFragment(text, settings);
    } catch (error) {
      console.warn('promha: cannot encode the link', error);
      if (mine === seq) document.documentElement.dataset.link = 'failed';
      return;
    }
    if (mine !== seq) return;
    if (fragment === null || fragment.length > MAX_FRAGMENT) {
      onTooLong();
      fragment = '';
    }
    const hash = fragment ? '#' + fragment : '';
    written = hash;
    if (location.hash !== hash) history.replaceState(null, '', location.href.replace(/#.*$/, '') + hash);
    document.documentElement.dataset.link = 'saved';
  }

  return {
    write,

    schedule() {
      document.documentElement.dataset.link = 'pending';
      clearTimeout(timer);
      timer = setTimeout(write, HASH_DELAY_MS);
    },

    /// The payload of a fragment this page did not write itself: null when
    /// there is none; throws when it cannot be read.
    async read() {
      const hash = location.hash;
      if (hash === '' || hash === '#' || hash === written) return null;
      const payload = await decodeFragment(hash);
      if (payload) written = hash;
      return payload;
    },
  };
}

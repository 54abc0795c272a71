/** Http1Connection: when exchanges are handed out, and the pairing rules no corpus case shows alone. */
import { describe, expect, it } from 'vitest';
import { Http1Connection } from '../../../src/protocols/http1/index.js';
import { end, seg } from './helpers.js';

const GET_A = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n'; // 28 bytes
const GET_B = 'GET /b HTTP/1.1\r\nHost: x\r\n\r\n';
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'; // 40 bytes

describe('Http1Connection', () => {
  it('hands out an exchange as soon as its response ends, and not before', () => {
    const c = new Http1Connection();
    c.push(seg('c2s', 0, GET_A + GET_B, 1));
    expect(c.takeExchanges()).toEqual([]);
    c.push(seg('s2c', 0, OK.slice(0, 39), 2));
    expect(c.takeExchanges()).toEqual([]);
    c.push(seg('s2c', 39, 'k', 3));
    expect(c.takeExchanges().map((e) => [e.index, e.request?.target, e.response?.status, e.complete])).toEqual([[0, '/a', 200, true]]);
    c.push(end('s2c', 40, 4));
    // the server closed: /b will never be answered, so it is handed out without waiting for finish()
    expect(c.takeExchanges().map((e) => [e.index, e.request?.target, e.response, e.complete])).toEqual([[1, '/b', undefined, false]]);
    expect(c.finish()).toEqual([]);
  });

  it('hands out requests as they end once s2c has failed', () => {
    const c = new Http1Connection();
    c.push(seg('c2s', 0, GET_A));
    c.push(seg('s2c', 0, 'garbage\r\n\r\n'));
    expect(c.takeExchanges().map((e) => [e.index, e.errors.map((x) => x.code)])).toEqual([[0, ['invalid-start-line']]]);
    c.push(seg('c2s', 28, GET_B));
    expect(c.takeExchanges().map((e) => [e.index, e.request?.target])).toEqual([[1, '/b']]);
  });

  it('switches c2s when an upgrade request ends after its 101 arrived', () => {
    const c = new Http1Connection();
    const head = 'POST /up HTTP/1.1\r\nUpgrade: h2c\r\nContent-Length: 4\r\n\r\n'; // 54 bytes
    c.push(seg('c2s', 0, head + 'ab'));
    c.push(seg('s2c', 0, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n'));
    expect(c.takeExchanges()).toEqual([]);
    c.push(seg('c2s', 56, 'cdPRI * HTTP/2.0\r\n\r\n'));
    const [ex] = c.takeExchanges();
    expect(ex.protocolSwitch).toEqual({ protocol: 'h2c', c2sOffset: 58, s2cOffset: 50 });
    expect(ex.request?.body.length).toBe(4);
    expect(ex.errors).toEqual([]);
    expect(c.finish()).toEqual([]);
  });

  it('attaches an interim response without a request to the response that follows it', () => {
    const c = new Http1Connection();
    c.push(seg('s2c', 0, 'HTTP/1.1 100 Continue\r\n\r\n' + OK));
    const exchanges = c.finish();
    expect(exchanges.map((e) => [e.request, e.informational.map((i) => i.status), e.response?.status])).toEqual([
      [undefined, [100], 200],
    ]);
  });

  it('reports the timing of each exchange from its messages', () => {
    const c = new Http1Connection();
    c.push(seg('c2s', 0, 'POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n', 10));
    c.push(seg('c2s', 38, 'hi', 20));
    c.push(seg('s2c', 0, OK.slice(0, 20), 30));
    c.push(seg('s2c', 20, OK.slice(20), 40));
    expect(c.takeExchanges()[0].timing).toEqual({ requestStart: 10, requestEnd: 20, responseStart: 30, responseEnd: 40 });
  });

  it('ignores pushes after finish()', () => {
    const c = new Http1Connection();
    c.push(seg('c2s', 0, GET_A));
    expect(c.finish().length).toBe(1);
    c.push(seg('c2s', 28, GET_B));
    expect(c.takeExchanges()).toEqual([]);
    expect(c.finish()).toEqual([]);
  });
});

// The server end of a SPDY/3.1 connection as Go's spdystream (kubectl's, and the kubelet's)
// speaks it: the client opens streams (odd ids) with SYN_STREAM; the server accepts each with an
// empty SYN_REPLY or refuses it with RST_STREAM; either side half-closes with FIN and aborts with
// RST_STREAM; client PINGs are echoed; GOAWAY ends the connection. No flow control: spdystream
// never sends WINDOW_UPDATE nor honours windows, so neither side may wait for one.
import {
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  FrameError,
  FrameReader,
  FrameType,
  GoAwayStatus,
  RstStatus,
  SPDY_VERSION,
  dataFrames,
  goAwayFrame,
  parseStreamHeaders,
  parseSynStream,
  parseWords,
  pingFrame,
  rstStreamFrame,
  synReplyFrame,
  type Frame,
} from './frames.js'
import {HeaderBlockError, HeaderDeflater, HeaderInflater, decodeHeaderBlock, encodeHeaderBlock} from './headers.js'

/** What carries the connection's bytes: a raw upgraded socket, or binary WebSocket messages. */
export interface SpdyTransport {
  close(): void
  write(bytes: Buffer): void
}

export class SpdyStream {
  /** Called with the peer's data, its FIN, and its RST_STREAM. */
  onData: (chunk: Buffer) => void = () => {}
  onEnd: () => void = () => {}
  onReset: () => void = () => {}
  private localEnded: boolean
  private remoteEnded = false
  private wasReset = false

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: ReadonlyMap<string, string>,
    unidirectional: boolean,
  ) {
    this.localEnded = unidirectional
  }

  /** Accepts the stream (an empty SYN_REPLY, as the kubelet sends). */
  reply(): void {
    this.session.send(synReplyFrame(this.id, this.session.compressHeaders([])))
  }

  write(data: Buffer): void {
    if (this.localEnded || this.wasReset || data.length === 0) return
    for (const frame of dataFrames(this.id, data, false)) this.session.send(frame)
  }

  /** Half-closes our side (an empty data frame with FIN). */
  end(): void {
    if (this.localEnded || this.wasReset) return
    this.localEnded = true
    for (const frame of dataFrames(this.id, Buffer.alloc(0), true)) this.session.send(frame)
    this.settle()
  }

  reset(status: number = RstStatus.cancel): void {
    if (this.wasReset) return
    this.wasReset = true
    this.session.send(rstStreamFrame(this.id, status))
    this.session.forget(this.id)
  }

  get closed(): boolean {
    return this.wasReset || (this.localEnded && this.remoteEnded)
  }

  /** @internal frames from the session */
  receiveData(data: Buffer, fin: boolean): void {
    if (this.wasReset || this.remoteEnded) return
    if (data.length > 0) this.onData(data)
    if (fin) this.receiveEnd()
  }

  /** @internal */
  receiveEnd(): void {
    if (this.remoteEnded) return
    this.remoteEnded = true
    this.onEnd()
    this.settle()
  }

  /** @internal the peer reset the stream, or the connection is gone */
  receiveReset(): void {
    if (this.wasReset) return
    this.wasReset = true
    this.session.forget(this.id)
    this.onReset()
  }

  private settle(): void {
    if (this.closed) this.session.forget(this.id)
  }
}

export class SpdySession {
  private readonly reader = new FrameReader()
  private readonly inflater = new HeaderInflater()
  private readonly deflater = new HeaderDeflater()
  private readonly streams = new Map<number, SpdyStream>()
  private lastStreamId = 0
  private ended = false
  /** Called once when the connection ends, however it ends. */
  onClose: () => void = () => {}

  constructor(
    private readonly transport: SpdyTransport,
    /** Gets every new stream: it must reply() or reset() it. */
    private readonly onStream: (stream: SpdyStream) => void,
  ) {}

  get closed(): boolean {
    return this.ended
  }

  /** Bytes from the transport. */
  receive(chunk: Buffer): void {
    if (this.ended) return
    try {
      for (const frame of this.reader.push(chunk)) {
        if (this.ended) return
        this.handle(frame)
      }
    } catch (err) {
      // A frame we cannot parse, or a header block that does not inflate (which leaves the
      // compression state unusable): the connection cannot go on.
      this.goAway(err instanceof FrameError || err instanceof HeaderBlockError ? GoAwayStatus.protocolError : GoAwayStatus.internalError)
    }
  }

  /** Sends GOAWAY and closes the transport (what the kubelet does when it is done). */
  goAway(status: number = GoAwayStatus.ok): void {
    if (this.ended) return
    this.send(goAwayFrame(this.lastStreamId, status))
    this.destroy()
  }

  /** The transport is gone (or we give up): every stream is reset locally. */
  destroy(): void {
    if (this.ended) return
    this.ended = true
    for (const stream of [...this.streams.values()]) stream.receiveReset()
    this.streams.clear()
    this.transport.close()
    this.onClose()
  }

  /** @internal */
  send(frame: Buffer): void {
    if (!this.ended) this.transport.write(frame)
  }

  /** @internal */
  compressHeaders(headers: Array<[string, string]>): Buffer {
    return this.deflater.deflate(encodeHeaderBlock(headers))
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id)
  }

  private handle(frame: Frame): void {
    if (!frame.control) {
      // Data for a stream we no longer know (reset, or closed both ways) is dropped, as spdystream does.
      this.streams.get(frame.streamId)?.receiveData(frame.data, (frame.flags & FLAG_FIN) !== 0)
      return
    }
    if (frame.version !== SPDY_VERSION) {
      this.goAway(GoAwayStatus.protocolError)
      return
    }
    switch (frame.type) {
      case FrameType.synStream:
        return this.synStream(frame.flags, frame.payload)
      case FrameType.synReply:
      case FrameType.headers: {
        // Never sent by port-forward clients, but inflated all the same: the compression state is shared.
        const {headerBlock, streamId} = parseStreamHeaders(frame.payload)
        this.inflater.inflate(headerBlock)
        if (frame.flags & FLAG_FIN) this.streams.get(streamId)?.receiveEnd()
        return
      }
      case FrameType.rstStream: {
        const [streamId = 0] = parseWords(frame.payload, 2)
        this.streams.get(streamId)?.receiveReset()
        return
      }
      case FrameType.ping: {
        const [id = 0] = parseWords(frame.payload, 1)
        // Odd ids are the client's: echo them. Even ones would answer pings we never send.
        if (id % 2 === 1) this.send(pingFrame(id))
        return
      }
      case FrameType.goAway:
        this.destroy()
        return
      default:
        // SETTINGS, WINDOW_UPDATE and unknown control frames change nothing here.
        return
    }
  }

  private synStream(flags: number, payload: Buffer): void {
    const {headerBlock, streamId} = parseSynStream(payload)
    const headers = decodeHeaderBlock(this.inflater.inflate(headerBlock))
    if (streamId % 2 === 0 || streamId <= this.lastStreamId) {
      // Ids must be odd and increasing for client-initiated streams.
      this.send(rstStreamFrame(streamId, RstStatus.protocolError))
      return
    }
    this.lastStreamId = streamId
    const stream = new SpdyStream(this, streamId, headers, (flags & FLAG_UNIDIRECTIONAL) !== 0)
    this.streams.set(streamId, stream)
    this.onStream(stream)
    if (flags & FLAG_FIN) stream.receiveEnd()
  }
}

// Package memproto is a codec for the memcached protocols, as memcached
// 1.6 speaks them: the text protocol, the meta protocol (mg, ms, md, ma,
// mn, me) and the binary protocol, in both directions. It is a pure codec:
// it reads from a byte slice or a *bufio.Reader and appends to a byte
// slice, and knows nothing about sockets or caches. It imports only the
// standard library, so a client, proxy or tool can use it alone.
//
// # Server side
//
// A server reads requests with a [Reader] (text and meta) or a
// [BinaryReader] (binary; a connection speaks binary when its first byte
// is [BinaryMagicRequest], see [IsBinaryMagic]), and answers with the
// Append* encoders: [AppendValue], [AppendValueHeader], [AppendNumber],
// the Reply* constants, [AppendBinaryResponse] and friends. A refused
// request is reported as an [*Error] (or [*BinaryError]) that carries
// memcached's exact reply, whether the connection must close, and how
// many bytes of a refused data block the reader discards for the caller.
//
// [ParseRequest] and [ParseBinaryRequest] parse from a byte slice instead
// and report [ErrIncomplete] while a request is not complete, for callers
// that manage their own buffers.
//
// # Client side
//
// A client encodes requests with [AppendGet], [AppendStore],
// [AppendDelete], [AppendIncr] and the other Append* request encoders
// (AppendBinary* for the binary protocol), and reads replies with a
// [ResponseReader] or [ParseResponse] ([BinaryResponseReader] and
// [ParseBinaryResponse] for binary).
//
// # Memory
//
// Parsing allocates nothing once buffers are warm: a [Request] is reused
// across calls, and its byte-slice fields (Key, Keys, Value, Args, meta
// tokens) alias the buffer they were parsed from. With a [Reader] they are
// valid until the next call to ReadRequest; copy what you keep longer.
// Encoders append with strconv, never fmt.
//
// # Limits
//
// [Limits] sets the largest value, the longest command line and the
// longest get line, with memcached's defaults (1 MiB, 2048 bytes and
// unbounded multi-get lines up to 1 MiB) when zero. Keys are at most
// [MaxKeyLength] (250) bytes.
//
// # Extensions
//
// streaming_get, a RatMemCache extension for fetching a large value in
// announced chunks, is described in STREAMING.md; see
// [AppendStreamingGet] and [AppendStreamHeader].
package memproto

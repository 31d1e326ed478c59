package memproto

import "strconv"

// streaming_get is RatMemCache's extension for sending a large value in
// announced chunks; STREAMING.md specifies the wire format.

// Bounds of the chunk size of streaming_get. Smaller chunks would let a
// client multiply the framing overhead of a large value; larger ones
// defeat the purpose of streaming.
const (
	MinStreamChunkSize = 16
	MaxStreamChunkSize = 16 << 20
)

// parseStreamingGet parses "streaming_get <key> <chunk_size>"; the chunk
// size goes to Number.
func parseStreamingGet(req *Request, toks [][]byte) error {
	if len(toks) != 3 {
		return ErrUnknownCommand
	}
	req.Key = toks[1]
	if keyTooLong(req.Key) {
		return ErrBadFormat
	}
	n, ok := parseStrictUint(toks[2])
	if !ok || n < MinStreamChunkSize || n > MaxStreamChunkSize {
		return ErrBadChunkSize
	}
	req.Number = n
	return nil
}

// StreamChunkCount returns how many chunks of at most chunkSize bytes a
// value of total bytes is sent in: 0 for an empty value. chunkSize must
// be positive.
func StreamChunkCount(total, chunkSize int) int {
	if total <= 0 || chunkSize <= 0 {
		return 0
	}
	return (total + chunkSize - 1) / chunkSize
}

// AppendStreamingGet appends the request "streaming_get <key>
// <chunk_size>\r\n" to dst.
func AppendStreamingGet(dst, key []byte, chunkSize int) []byte {
	dst = append(dst, "streaming_get "...)
	dst = append(dst, key...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(chunkSize), 10)
	return append(dst, "\r\n"...)
}

// AppendStreamHeader appends the first line of a streaming_get hit,
// "STREAM <key> <flags> <total_bytes> <chunk_count> <cas>\r\n", to dst.
// chunkCount must be StreamChunkCount(total, chunkSize).
func AppendStreamHeader(dst, key []byte, flags uint32, total, chunkCount int, cas uint64) []byte {
	dst = append(dst, "STREAM "...)
	dst = append(dst, key...)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, uint64(flags), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(total), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(chunkCount), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, cas, 10)
	return append(dst, "\r\n"...)
}

// AppendChunkHeader appends "CHUNK <index> <len>\r\n" to dst; the caller
// then writes the len bytes and "\r\n" (see AppendChunk), which lets a
// server send a chunk without copying it.
func AppendChunkHeader(dst []byte, index, n int) []byte {
	dst = append(dst, "CHUNK "...)
	dst = strconv.AppendInt(dst, int64(index), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, "\r\n"...)
}

// AppendChunk appends one whole chunk frame, header, data and "\r\n".
func AppendChunk(dst []byte, index int, data []byte) []byte {
	dst = AppendChunkHeader(dst, index, len(data))
	dst = append(dst, data...)
	return append(dst, "\r\n"...)
}

// AppendStream appends a whole streaming_get hit for value cut into
// chunks of chunkSize bytes, header, chunks and "END\r\n".
func AppendStream(dst, key []byte, flags uint32, value []byte, cas uint64, chunkSize int) []byte {
	count := StreamChunkCount(len(value), chunkSize)
	dst = AppendStreamHeader(dst, key, flags, len(value), count, cas)
	for i := 0; i < count; i++ {
		end := min((i+1)*chunkSize, len(value))
		dst = AppendChunk(dst, i, value[i*chunkSize:end])
	}
	return append(dst, ReplyEnd...)
}

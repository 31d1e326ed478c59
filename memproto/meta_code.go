package memproto

// MetaCode is the return code that starts a meta response line.
type MetaCode uint8

// Return codes of the meta protocol. The last three are the error lines a
// server may send instead ("ERROR", "CLIENT_ERROR ...", "SERVER_ERROR
// ..."), which ParseMetaResponse reports as codes rather than Go errors.
const (
	MetaNone        MetaCode = iota // zero value; never parsed
	MetaHD                          // HD: success, no value
	MetaVA                          // VA <size>: success with a value
	MetaEN                          // EN: miss (mg, me)
	MetaNF                          // NF: not found
	MetaNS                          // NS: not stored
	MetaEX                          // EX: exists (CAS mismatch)
	MetaMN                          // MN: reply to mn
	MetaME                          // ME <key> <k>=<v>*: reply to me
	MetaError                       // ERROR
	MetaClientError                 // CLIENT_ERROR <message>
	MetaServerError                 // SERVER_ERROR <message>
	numMetaCodes
)

var metaCodeNames = [numMetaCodes]string{
	MetaHD:          "HD",
	MetaVA:          "VA",
	MetaEN:          "EN",
	MetaNF:          "NF",
	MetaNS:          "NS",
	MetaEX:          "EX",
	MetaMN:          "MN",
	MetaME:          "ME",
	MetaError:       "ERROR",
	MetaClientError: "CLIENT_ERROR",
	MetaServerError: "SERVER_ERROR",
}

// String returns the code as it appears on the wire ("HD", "VA", ...,
// "CLIENT_ERROR"), or "" for MetaNone and unknown values.
func (c MetaCode) String() string {
	if c >= numMetaCodes {
		return ""
	}
	return metaCodeNames[c]
}

// lookupMetaCode maps the first token of a response line to its code.
func lookupMetaCode(tok []byte) MetaCode {
	if len(tok) == 2 {
		switch string(tok) {
		case "HD":
			return MetaHD
		case "VA":
			return MetaVA
		case "EN":
			return MetaEN
		case "NF":
			return MetaNF
		case "NS":
			return MetaNS
		case "EX":
			return MetaEX
		case "MN":
			return MetaMN
		case "ME":
			return MetaME
		}
		return MetaNone
	}
	switch string(tok) {
	case "ERROR":
		return MetaError
	case "CLIENT_ERROR":
		return MetaClientError
	case "SERVER_ERROR":
		return MetaServerError
	}
	return MetaNone
}

// SuppressInQuiet reports whether a meta command's reply with code is
// withheld when the request carries the q flag, as memcached 1.6.18 does
// (verified against it):
//
//   - mg: EN (a miss) only; HD and VA are sent.
//   - ms: HD only; NS, EX and NF are sent.
//   - md: HD only (delete and invalidate); NF and EX are sent.
//   - ma: HD and VA of a successful increment or decrement, but not when
//     the item was just created by N (vivified); NF, NS and EX are sent.
//
// Error lines are never suppressed; mn and me ignore q.
func SuppressInQuiet(cmd Command, code MetaCode, vivified bool) bool {
	switch cmd {
	case CmdMetaGet:
		return code == MetaEN
	case CmdMetaSet, CmdMetaDelete:
		return code == MetaHD
	case CmdMetaArithmetic:
		return (code == MetaHD || code == MetaVA) && !vivified
	}
	return false
}

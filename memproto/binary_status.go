package memproto

import "strconv"

// BinaryStatus is the status field of a binary response.
type BinaryStatus uint16

// Response statuses. The first eleven are memcached 1.6's (and the only
// ones it sends); the rest are defined by the protocol specification for
// other servers and proxies.
const (
	BinaryStatusNoError          BinaryStatus = 0x00
	BinaryStatusKeyNotFound      BinaryStatus = 0x01
	BinaryStatusKeyExists        BinaryStatus = 0x02
	BinaryStatusValueTooLarge    BinaryStatus = 0x03
	BinaryStatusInvalidArguments BinaryStatus = 0x04
	BinaryStatusItemNotStored    BinaryStatus = 0x05
	BinaryStatusNonNumeric       BinaryStatus = 0x06
	BinaryStatusAuthError        BinaryStatus = 0x20
	BinaryStatusAuthContinue     BinaryStatus = 0x21
	BinaryStatusUnknownCommand   BinaryStatus = 0x81
	BinaryStatusOutOfMemory      BinaryStatus = 0x82

	// Not sent by memcached.
	BinaryStatusVBucketNotHere   BinaryStatus = 0x07
	BinaryStatusNotSupported     BinaryStatus = 0x83
	BinaryStatusInternalError    BinaryStatus = 0x84
	BinaryStatusBusy             BinaryStatus = 0x85
	BinaryStatusTemporaryFailure BinaryStatus = 0x86
)

// Message returns the body memcached 1.6 puts in an error response with
// status s (proto_bin.c write_bin_error): "Not found", "Data exists for
// key.", "Too large.", "Invalid arguments", "Not stored.", "Non-numeric
// server-side value for incr or decr", "Auth failure.", "Unknown command",
// "Out of memory". It returns "" for NoError and AuthContinue (no fixed
// message) and a descriptive text for the statuses memcached never sends.
//
// memcached sends a more specific text with OutOfMemory when an
// allocation fails ("Out of memory allocating item", ...); see
// AppendBinaryErrorMessage.
func (s BinaryStatus) Message() string {
	switch s {
	case BinaryStatusKeyNotFound:
		return "Not found"
	case BinaryStatusKeyExists:
		return "Data exists for key."
	case BinaryStatusValueTooLarge:
		return "Too large."
	case BinaryStatusInvalidArguments:
		return "Invalid arguments"
	case BinaryStatusItemNotStored:
		return "Not stored."
	case BinaryStatusNonNumeric:
		return "Non-numeric server-side value for incr or decr"
	case BinaryStatusAuthError:
		return "Auth failure."
	case BinaryStatusUnknownCommand:
		return "Unknown command"
	case BinaryStatusOutOfMemory:
		return "Out of memory"
	case BinaryStatusVBucketNotHere:
		return "Not my vbucket"
	case BinaryStatusNotSupported:
		return "Not supported"
	case BinaryStatusInternalError:
		return "Internal error"
	case BinaryStatusBusy:
		return "Busy"
	case BinaryStatusTemporaryFailure:
		return "Temporary failure"
	}
	return ""
}

// String returns the status's constant name without its prefix
// ("KeyNotFound") or "Status(0xNNNN)" for an undefined status.
func (s BinaryStatus) String() string {
	switch s {
	case BinaryStatusNoError:
		return "NoError"
	case BinaryStatusKeyNotFound:
		return "KeyNotFound"
	case BinaryStatusKeyExists:
		return "KeyExists"
	case BinaryStatusValueTooLarge:
		return "ValueTooLarge"
	case BinaryStatusInvalidArguments:
		return "InvalidArguments"
	case BinaryStatusItemNotStored:
		return "ItemNotStored"
	case BinaryStatusNonNumeric:
		return "NonNumeric"
	case BinaryStatusAuthError:
		return "AuthError"
	case BinaryStatusAuthContinue:
		return "AuthContinue"
	case BinaryStatusUnknownCommand:
		return "UnknownCommand"
	case BinaryStatusOutOfMemory:
		return "OutOfMemory"
	case BinaryStatusVBucketNotHere:
		return "VBucketNotHere"
	case BinaryStatusNotSupported:
		return "NotSupported"
	case BinaryStatusInternalError:
		return "InternalError"
	case BinaryStatusBusy:
		return "Busy"
	case BinaryStatusTemporaryFailure:
		return "TemporaryFailure"
	}
	return "Status(0x" + strconv.FormatUint(uint64(s), 16) + ")"
}

package memproto

import "strconv"

// BinaryOpcode is the command byte of a binary packet. A response carries
// the opcode of the request it answers, quiet variant included.
type BinaryOpcode uint8

// Opcodes of memcached's binary protocol, as defined by memcached 1.6's
// protocol_binary.h, plus BinaryOpVerbosity from the protocol
// specification. memcached 1.6.18 implements every opcode from
// BinaryOpGet to BinaryOpGATKQ except BinaryOpVerbosity; it answers the
// others (Verbosity and the range operations) with
// BinaryStatusUnknownCommand. The "Q" variants are quiet: see IsQuiet.
const (
	BinaryOpGet           BinaryOpcode = 0x00
	BinaryOpSet           BinaryOpcode = 0x01
	BinaryOpAdd           BinaryOpcode = 0x02
	BinaryOpReplace       BinaryOpcode = 0x03
	BinaryOpDelete        BinaryOpcode = 0x04
	BinaryOpIncrement     BinaryOpcode = 0x05
	BinaryOpDecrement     BinaryOpcode = 0x06
	BinaryOpQuit          BinaryOpcode = 0x07
	BinaryOpFlush         BinaryOpcode = 0x08
	BinaryOpGetQ          BinaryOpcode = 0x09
	BinaryOpNoop          BinaryOpcode = 0x0a
	BinaryOpVersion       BinaryOpcode = 0x0b
	BinaryOpGetK          BinaryOpcode = 0x0c
	BinaryOpGetKQ         BinaryOpcode = 0x0d
	BinaryOpAppend        BinaryOpcode = 0x0e
	BinaryOpPrepend       BinaryOpcode = 0x0f
	BinaryOpStat          BinaryOpcode = 0x10
	BinaryOpSetQ          BinaryOpcode = 0x11
	BinaryOpAddQ          BinaryOpcode = 0x12
	BinaryOpReplaceQ      BinaryOpcode = 0x13
	BinaryOpDeleteQ       BinaryOpcode = 0x14
	BinaryOpIncrementQ    BinaryOpcode = 0x15
	BinaryOpDecrementQ    BinaryOpcode = 0x16
	BinaryOpQuitQ         BinaryOpcode = 0x17
	BinaryOpFlushQ        BinaryOpcode = 0x18
	BinaryOpAppendQ       BinaryOpcode = 0x19
	BinaryOpPrependQ      BinaryOpcode = 0x1a
	BinaryOpVerbosity     BinaryOpcode = 0x1b // not implemented by memcached 1.6
	BinaryOpTouch         BinaryOpcode = 0x1c
	BinaryOpGAT           BinaryOpcode = 0x1d
	BinaryOpGATQ          BinaryOpcode = 0x1e
	BinaryOpSASLListMechs BinaryOpcode = 0x20
	BinaryOpSASLAuth      BinaryOpcode = 0x21
	BinaryOpSASLStep      BinaryOpcode = 0x22
	BinaryOpGATK          BinaryOpcode = 0x23
	BinaryOpGATKQ         BinaryOpcode = 0x24

	// Range operations: defined by memcached's header "for use in other
	// projects", never implemented by memcached.
	BinaryOpRGet      BinaryOpcode = 0x30
	BinaryOpRSet      BinaryOpcode = 0x31
	BinaryOpRSetQ     BinaryOpcode = 0x32
	BinaryOpRAppend   BinaryOpcode = 0x33
	BinaryOpRAppendQ  BinaryOpcode = 0x34
	BinaryOpRPrepend  BinaryOpcode = 0x35
	BinaryOpRPrependQ BinaryOpcode = 0x36
	BinaryOpRDelete   BinaryOpcode = 0x37
	BinaryOpRDeleteQ  BinaryOpcode = 0x38
	BinaryOpRIncr     BinaryOpcode = 0x39
	BinaryOpRIncrQ    BinaryOpcode = 0x3a
	BinaryOpRDecr     BinaryOpcode = 0x3b
	BinaryOpRDecrQ    BinaryOpcode = 0x3c
)

var binaryOpcodeNames = [...]string{
	BinaryOpGet:           "Get",
	BinaryOpSet:           "Set",
	BinaryOpAdd:           "Add",
	BinaryOpReplace:       "Replace",
	BinaryOpDelete:        "Delete",
	BinaryOpIncrement:     "Increment",
	BinaryOpDecrement:     "Decrement",
	BinaryOpQuit:          "Quit",
	BinaryOpFlush:         "Flush",
	BinaryOpGetQ:          "GetQ",
	BinaryOpNoop:          "Noop",
	BinaryOpVersion:       "Version",
	BinaryOpGetK:          "GetK",
	BinaryOpGetKQ:         "GetKQ",
	BinaryOpAppend:        "Append",
	BinaryOpPrepend:       "Prepend",
	BinaryOpStat:          "Stat",
	BinaryOpSetQ:          "SetQ",
	BinaryOpAddQ:          "AddQ",
	BinaryOpReplaceQ:      "ReplaceQ",
	BinaryOpDeleteQ:       "DeleteQ",
	BinaryOpIncrementQ:    "IncrementQ",
	BinaryOpDecrementQ:    "DecrementQ",
	BinaryOpQuitQ:         "QuitQ",
	BinaryOpFlushQ:        "FlushQ",
	BinaryOpAppendQ:       "AppendQ",
	BinaryOpPrependQ:      "PrependQ",
	BinaryOpVerbosity:     "Verbosity",
	BinaryOpTouch:         "Touch",
	BinaryOpGAT:           "GAT",
	BinaryOpGATQ:          "GATQ",
	BinaryOpSASLListMechs: "SASLListMechs",
	BinaryOpSASLAuth:      "SASLAuth",
	BinaryOpSASLStep:      "SASLStep",
	BinaryOpGATK:          "GATK",
	BinaryOpGATKQ:         "GATKQ",
	BinaryOpRGet:          "RGet",
	BinaryOpRSet:          "RSet",
	BinaryOpRSetQ:         "RSetQ",
	BinaryOpRAppend:       "RAppend",
	BinaryOpRAppendQ:      "RAppendQ",
	BinaryOpRPrepend:      "RPrepend",
	BinaryOpRPrependQ:     "RPrependQ",
	BinaryOpRDelete:       "RDelete",
	BinaryOpRDeleteQ:      "RDeleteQ",
	BinaryOpRIncr:         "RIncr",
	BinaryOpRIncrQ:        "RIncrQ",
	BinaryOpRDecr:         "RDecr",
	BinaryOpRDecrQ:        "RDecrQ",
}

// String returns the opcode's name ("Get", "SetQ", "SASLAuth", ...) or,
// for an undefined opcode, "Opcode(0xNN)".
func (op BinaryOpcode) String() string {
	if int(op) < len(binaryOpcodeNames) && binaryOpcodeNames[op] != "" {
		return binaryOpcodeNames[op]
	}
	s := strconv.FormatUint(uint64(op), 16)
	if len(s) == 1 {
		s = "0" + s
	}
	return "Opcode(0x" + s + ")"
}

// Known reports whether op is one of the opcodes defined above.
func (op BinaryOpcode) Known() bool {
	return int(op) < len(binaryOpcodeNames) && binaryOpcodeNames[op] != ""
}

// quietPairs maps each quiet opcode to its loud twin.
var quietPairs = [...][2]BinaryOpcode{
	{BinaryOpGetQ, BinaryOpGet},
	{BinaryOpGetKQ, BinaryOpGetK},
	{BinaryOpSetQ, BinaryOpSet},
	{BinaryOpAddQ, BinaryOpAdd},
	{BinaryOpReplaceQ, BinaryOpReplace},
	{BinaryOpDeleteQ, BinaryOpDelete},
	{BinaryOpIncrementQ, BinaryOpIncrement},
	{BinaryOpDecrementQ, BinaryOpDecrement},
	{BinaryOpQuitQ, BinaryOpQuit},
	{BinaryOpFlushQ, BinaryOpFlush},
	{BinaryOpAppendQ, BinaryOpAppend},
	{BinaryOpPrependQ, BinaryOpPrepend},
	{BinaryOpGATQ, BinaryOpGAT},
	{BinaryOpGATKQ, BinaryOpGATK},
	{BinaryOpRSetQ, BinaryOpRSet},
	{BinaryOpRAppendQ, BinaryOpRAppend},
	{BinaryOpRPrependQ, BinaryOpRPrepend},
	{BinaryOpRDeleteQ, BinaryOpRDelete},
	{BinaryOpRIncrQ, BinaryOpRIncr},
	{BinaryOpRDecrQ, BinaryOpRDecr},
}

// binaryLoud[op] is op's loud twin; binaryQuiet[op] its quiet twin.
var binaryLoud, binaryQuiet [256]BinaryOpcode

func init() {
	for i := range binaryLoud {
		binaryLoud[i] = BinaryOpcode(i)
		binaryQuiet[i] = BinaryOpcode(i)
	}
	for _, p := range quietPairs {
		binaryLoud[p[0]] = p[1]
		binaryQuiet[p[1]] = p[0]
	}
}

// IsQuiet reports whether op is a quiet variant (GetQ, SetQ, ..., GATKQ).
// memcached answers a quiet get or gat only on a hit, a quiet mutation
// (set, add, replace, append, prepend, delete, incr, decr, flush) only on
// an error, and a QuitQ not at all; clients end a batch of quiet requests
// with a Noop, whose answer proves every earlier one was processed.
func (op BinaryOpcode) IsQuiet() bool { return binaryLoud[op] != op }

// Loud returns the loud twin of a quiet opcode (GetQ -> Get) and op
// itself for any other opcode.
func (op BinaryOpcode) Loud() BinaryOpcode { return binaryLoud[op] }

// Quiet returns the quiet twin of a loud opcode (Get -> GetQ), op itself
// for a quiet opcode or one without a quiet twin (Noop, Stat, Touch ...).
func (op BinaryOpcode) Quiet() BinaryOpcode { return binaryQuiet[op] }

// SuppressesResponse reports whether memcached sends no response to a
// request with opcode op whose outcome is status: a quiet get or gat
// (GetQ, GetKQ, GATQ, GATKQ) that misses (KeyNotFound), any other quiet
// request that succeeds (NoError), and QuitQ always. Every error of a
// quiet mutation and every hit of a quiet get is answered; loud opcodes
// are always answered.
func (op BinaryOpcode) SuppressesResponse(status BinaryStatus) bool {
	switch op {
	case BinaryOpQuitQ:
		return true
	case BinaryOpGetQ, BinaryOpGetKQ, BinaryOpGATQ, BinaryOpGATKQ:
		return status == BinaryStatusKeyNotFound
	}
	return op.IsQuiet() && status == BinaryStatusNoError
}

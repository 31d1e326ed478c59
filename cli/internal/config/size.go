package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Size is a number of bytes. In TOML it is an integer (bytes) or a string
// with a unit: "512MB", "1GiB", "64k", "1.5g". Units are binary, as in
// memcached's -I 1m: K, KB and KiB all mean 1024 bytes.
type Size int64

// Duration is a length of time. In TOML it is an integer number of seconds
// or a string: "30s", "5m", "1h30m", or a bare "30" (seconds).
type Duration time.Duration

var errSyntax = errors.New("invalid syntax")

var sizeUnits = []struct {
	suffix string
	shift  uint
}{
	// Longest suffixes first so that "kib" is not read as "b".
	{"kib", 10}, {"mib", 20}, {"gib", 30}, {"tib", 40},
	{"kb", 10}, {"mb", 20}, {"gb", 30}, {"tb", 40},
	{"k", 10}, {"m", 20}, {"g", 30}, {"t", 40},
	{"b", 0},
}

// ParseSize parses a size such as "64", "64MB", "1GiB", "1.5g" or "2m"
// (case-insensitive, binary units, optional space before the unit). The
// result is truncated to whole bytes; negative sizes and sizes that do not
// fit in an int64 are errors.
func ParseSize(s string) (int64, error) {
	num := strings.TrimSpace(s)
	low := strings.ToLower(num)
	var shift uint
	for _, u := range sizeUnits {
		if strings.HasSuffix(low, u.suffix) {
			shift = u.shift
			num = strings.TrimSpace(num[:len(num)-len(u.suffix)])
			break
		}
	}
	if num == "" || num[0] == '+' || num[0] == '-' {
		if num != "" && num[0] == '-' {
			return 0, fmt.Errorf("size %q: negative", s)
		}
		return 0, fmt.Errorf("size %q: %w", s, errSyntax)
	}
	if n, err := strconv.ParseUint(num, 10, 63); err == nil {
		if n > math.MaxInt64>>shift {
			return 0, fmt.Errorf("size %q: too large", s)
		}
		return int64(n << shift), nil
	}
	if strings.ContainsAny(num, "eExXpP_") || strings.Count(num, ".") != 1 {
		return 0, fmt.Errorf("size %q: %w", s, errSyntax)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: %w", s, errSyntax)
	}
	f = math.Ldexp(f, int(shift))
	if f >= math.Ldexp(1, 63) {
		return 0, fmt.Errorf("size %q: too large", s)
	}
	return int64(f), nil
}

// FormatSize formats n with the largest binary unit that divides it
// exactly ("64MiB", "1GiB", "1000"); ParseSize reads it back to n.
func FormatSize(n int64) string {
	if n <= 0 {
		return strconv.FormatInt(n, 10)
	}
	for _, u := range []struct {
		name  string
		shift uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if n&(1<<u.shift-1) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// ParseDuration parses a duration: a bare integer is seconds ("30"),
// anything else is Go's syntax ("30s", "1h30m", "250ms"). Negative
// durations are errors.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if n, err := strconv.ParseUint(t, 10, 63); err == nil {
		if n > math.MaxInt64/uint64(time.Second) {
			return 0, fmt.Errorf("duration %q: too large", s)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("duration %q: expected seconds or a value like \"30s\", \"5m\", \"1h\"", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q: negative", s)
	}
	return d, nil
}

// UnmarshalTOML implements toml.Unmarshaler.
func (s *Size) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case int64:
		if v < 0 {
			return fmt.Errorf("size %d: negative", v)
		}
		*s = Size(v)
		return nil
	case string:
		n, err := ParseSize(v)
		if err != nil {
			return err
		}
		*s = Size(n)
		return nil
	}
	return fmt.Errorf("expected a size (bytes as an integer, or a string like \"64MiB\"), got %T", v)
}

// MarshalText implements encoding.TextMarshaler (used by --print-config).
func (s Size) MarshalText() ([]byte, error) { return []byte(FormatSize(int64(s))), nil }

// String returns the size as FormatSize does.
func (s Size) String() string { return FormatSize(int64(s)) }

// UnmarshalTOML implements toml.Unmarshaler.
func (d *Duration) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case int64:
		if v < 0 {
			return fmt.Errorf("duration %d: negative", v)
		}
		if v > math.MaxInt64/int64(time.Second) {
			return fmt.Errorf("duration %d: too large", v)
		}
		*d = Duration(time.Duration(v) * time.Second)
		return nil
	case string:
		x, err := ParseDuration(v)
		if err != nil {
			return err
		}
		*d = Duration(x)
		return nil
	}
	return fmt.Errorf("expected a duration (seconds as an integer, or a string like \"30s\"), got %T", v)
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String formats d as Go does ("1m0s"); ParseDuration reads it back.
func (d Duration) String() string { return time.Duration(d).String() }

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

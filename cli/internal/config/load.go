package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Error is a configuration error: a key, what is wrong with it, and where
// the key was set when that is a file.
type Error struct {
	File string // file name, or "" when the value did not come from a file
	Line int    // 1-based line in File, or 0 when unknown
	Key  string // dotted key, such as "l1.max_memory"; may be empty
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// File is a parsed TOML configuration file.
type File struct {
	Path  string
	src   string
	lines map[string]int // dotted key -> line of its definition
}

// ReadFile reads and parses the TOML file at path (syntax only; see
// [File.Decode]).
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseFile(path, string(b))
}

// ParseFile is ReadFile for a file already read; path is used in errors.
func ParseFile(path, src string) (*File, error) {
	f := &File{Path: path, src: src, lines: keyLines(src)}
	var peek map[string]any
	if _, err := toml.Decode(src, &peek); err != nil {
		return nil, f.wrap(err)
	}
	return f, nil
}

// Preset returns the file's top-level preset key, or "".
func (f *File) Preset() string {
	var p struct {
		Preset any `toml:"preset"`
	}
	_, _ = toml.Decode(f.src, &p)
	s, _ := p.Preset.(string)
	return s
}

// Decode applies the file to cfg: keys present in the file replace cfg's
// values, absent keys keep them. Unknown keys and values of the wrong type
// are errors naming the file, line and what was expected.
func (f *File) Decode(cfg *Config) error {
	md, err := toml.Decode(f.src, cfg)
	if err != nil {
		return f.wrap(err)
	}
	var errs []error
	for _, k := range md.Undecoded() {
		errs = append(errs, f.unknownKey(k))
	}
	return errors.Join(errs...)
}

// Line returns the line where the dotted key is set, or 0.
func (f *File) Line(key string) int {
	if f == nil {
		return 0
	}
	return f.lines[key]
}

// Locate adds f's name and line to every *Error in err whose key the file
// sets and for which fromFlag reports false (a flag overrode the file).
// fromFlag may be nil.
func (f *File) Locate(err error, fromFlag func(key string) bool) error {
	if f == nil || err == nil {
		return err
	}
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	out := make([]error, 0, len(list))
	for _, e := range list {
		var ce *Error
		if errors.As(e, &ce) && ce.File == "" && f.Line(ce.Key) > 0 && (fromFlag == nil || !fromFlag(ce.Key)) {
			c := *ce
			c.File, c.Line = f.Path, f.Line(ce.Key)
			e = &c
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

var tomlErrRE = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// wrap turns a toml error into an *Error with the file and line.
func (f *File) wrap(err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &Error{File: f.Path, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}
	}
	if m := tomlErrRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		msg := strings.Replace(m[3], "incompatible types: TOML value has type", "wrong type: the file has", 1)
		msg = strings.Replace(msg, "; destination has type", " but expected", 1)
		return &Error{File: f.Path, Line: line, Key: m[2], Msg: msg}
	}
	return &Error{File: f.Path, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
}

func (f *File) unknownKey(k toml.Key) error {
	key := k.String()
	e := &Error{File: f.Path, Line: f.lines[key], Key: key}
	section, accepted := acceptedKeys(k)
	switch {
	case section == "" && len(k) == 1:
		e.Msg = "unknown key or section; expected one of: " + strings.Join(accepted, ", ")
	case accepted == nil:
		e.Msg = "unknown key (section [" + section + "] has no sub-tables)"
	default:
		e.Msg = "unknown key; section [" + section + "] accepts: " + strings.Join(accepted, ", ")
	}
	return e
}

// acceptedKeys returns the section a key is in and the keys it accepts.
func acceptedKeys(k toml.Key) (string, []string) {
	t := reflect.TypeFor[Config]()
	section := ""
	for i, part := range k[:len(k)-1] {
		fld, ok := fieldByTag(t, part)
		if !ok || fld.Type.Kind() != reflect.Struct {
			return strings.Join(k[:i+1], "."), nil
		}
		t = fld.Type
		section = strings.Join(k[:i+1], ".")
	}
	var names []string
	for i := range t.NumField() {
		if name := tagName(t.Field(i)); name != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return section, names
}

func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return name
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if tagName(t.Field(i)) == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// keyLines maps each dotted key defined in src to its line. It follows
// [table] headers and dotted keys; it does not need to handle every TOML
// construct, only to find lines for error messages.
func keyLines(src string) map[string]int {
	lines := make(map[string]int)
	prefix := ""
	inMulti := ""
	for i, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if inMulti != "" {
			if strings.Contains(t, inMulti) {
				inMulti = ""
			}
			continue
		}
		if t == "" || t[0] == '#' {
			continue
		}
		if t[0] == '[' {
			h := strings.Trim(t, "[] \t")
			if j := strings.Index(h, "]"); j >= 0 {
				h = h[:j]
			}
			prefix = joinKey(splitKey(h))
			if _, ok := lines[prefix]; !ok {
				lines[prefix] = i + 1
			}
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		key := joinKey(splitKey(k))
		if prefix != "" {
			key = prefix + "." + key
		}
		if _, ok := lines[key]; !ok {
			lines[key] = i + 1
		}
		v = strings.TrimSpace(v)
		for _, q := range []string{`"""`, `'''`} {
			if strings.HasPrefix(v, q) && !strings.Contains(v[3:], q) {
				inMulti = q
			}
		}
	}
	return lines
}

func splitKey(s string) []string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return parts
}

func joinKey(parts []string) string { return strings.Join(parts, ".") }

// Encode writes cfg as TOML; ParseFile and Decode read it back to an equal
// Config.
func Encode(w io.Writer, cfg *Config) error {
	return toml.NewEncoder(w).Encode(cfg)
}

// Describe formats a value for messages.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	default:
		return fmt.Sprint(v)
	}
}

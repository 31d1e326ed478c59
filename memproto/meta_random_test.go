package memproto

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestMetaParseRandomDifferential sends random meta requests, built from
// flags, numbers and keys chosen to reach every branch of the parser, to
// memcached one by one: where parseMeta refuses a request memcached must
// send the same error line (and swallow the same bytes); where it accepts
// one memcached must not send an error.
func TestMetaParseRandomDifferential(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	srv := startMemcached(t)
	conn := srv.Dial(t)
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	nums := []string{"0", "1", "30", "-1", "x", "", "4294967301", "99999999999999999999", "-0", "+5",
		"18446744073709551615", "18446744073709551616", "-18446744073709551615", "5\tx", "\t7", "2147483648"}
	modes := []string{"E", "A", "P", "R", "S", "I", "+", "D", "-", "x", "s", "i", "", "SS"}
	opaques := []string{"", "1", "abc", strings.Repeat("o", 31), strings.Repeat("o", 32)}
	plain := "bcfhklPLqsuvtIxZWX\x7f\x80"
	numeric := "NRTCFJD"
	// Key pools: ma never touches keys other commands may leave
	// non-numeric (mg N vivifies an empty value).
	gKeys := []string{"g1", "g2", "Zm9v", "Z!m9v", "A===", "abc", "Zg==", strings.Repeat("k", 251)}
	aKeys := []string{"a1", "a2", "YTE=", "YTI=", "YT", strings.Repeat("a", 251)}

	var nerr, nok int
	defer func() { t.Logf("%d requests refused, %d accepted", nerr, nok) }()
	for i := 0; i < n; i++ {
		cmd := pick([]string{"mg", "mg", "ms", "ms", "md", "ma", "ma", "me", "mn"})
		keys := gKeys
		if cmd == "ma" {
			keys = aKeys
		}
		var b strings.Builder
		b.WriteString(cmd)
		noKey := rng.IntN(30) == 0 // then no flags either: one would be the key
		if !noKey {
			b.WriteString(" " + pick(keys))
		}
		data := ""
		if cmd == "ms" && rng.IntN(30) != 0 {
			switch rng.IntN(6) {
			case 0:
				b.WriteString(" " + pick([]string{"x", "-1", "2147483646", "3x"}))
				data = "abc\r\n"
			case 1:
				b.WriteString(" 0")
				data = "\r\n"
			default:
				b.WriteString(" " + pick([]string{"3", "+3", "03", "3\t"}))
				data = "abc\r\n"
			}
		}
		nflags := rng.IntN(6)
		if rng.IntN(20) == 0 {
			nflags = 15 + rng.IntN(5)
		}
		if noKey {
			nflags = 0
		}
		var prev []string
		for j := 0; j < nflags; j++ {
			var tok string
			switch r := rng.IntN(10); {
			case r < 4:
				tok = string(plain[rng.IntN(len(plain))])
			case r < 7:
				tok = string(numeric[rng.IntN(len(numeric))]) + pick(nums)
			case r < 8:
				tok = "M" + pick(modes)
			case r < 9:
				tok = "O" + pick(opaques)
			default:
				if len(prev) > 0 {
					tok = prev[rng.IntN(len(prev))] // duplicate
				} else {
					tok = "v"
				}
			}
			prev = append(prev, tok)
			if rng.IntN(15) == 0 {
				b.WriteString(" ")
			}
			b.WriteString(" " + tok)
		}
		in := b.String() + "\r\n" + data
		got := exchange(t, conn, in)
		if want, ok := errorReplies(t, in); ok {
			nerr++
			if got != want {
				t.Errorf("%q: memcached %q, parseMeta %q", in, got, want)
			}
			continue
		}
		nok++
		for _, line := range strings.Split(got, "\r\n") {
			if strings.HasPrefix(line, "ERROR") || strings.Contains(line, "_ERROR") {
				t.Errorf("%q: parses, but memcached says %q", in, got)
				break
			}
		}
	}
}

// TestMetaRepliesRandomDifferential runs one long random conversation
// through memcached and through the toy engine (metaEngine) built on
// parseMeta and AppendMetaReply, and compares every reply byte for byte.
// Flags whose replies depend on the clock (t, l, T, N and R with a TTL)
// are left out.
func TestMetaRepliesRandomDifferential(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	srv := startMemcached(t)
	conn := srv.Dial(t)
	eng := newMetaEngine()
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	cas := func() string { return "C" + string(rune('0'+rng.IntN(9))) }
	gKeys := []string{"g1", "g2", "g3", "Zm9v b", "Z2Mx b", "foo"}
	aKeys := []string{"a1", "a2", "YTE= b"}
	values := []string{"", "x", "12", "hello world", "7"}
	for i := 0; i < n; i++ {
		var fl []string
		add := func(f ...string) {
			for _, x := range f {
				if rng.IntN(3) == 0 {
					fl = append(fl, x)
				}
			}
		}
		var line, data string
		switch rng.IntN(6) {
		case 0, 1:
			add("v", "s", "f", "c", "k", "O"+pick([]string{"1", "ab"}), "h", "q", "u", "N0")
			line = "mg " + pick(gKeys)
		case 2, 3:
			data = pick(values)
			add("c", "k", "O9", "q", "F"+pick([]string{"0", "5", "4294967295"}), "M"+pick([]string{"E", "A", "P", "R", "S"}), cas(), "I")
			line = "ms " + strings.Replace(pick(gKeys), " ", " "+strconv.Itoa(len(data))+" ", 1)
			if !strings.Contains(line, " b") {
				line += " " + strconv.Itoa(len(data))
			}
			data += "\r\n"
		case 4:
			add("q", cas(), "I", "k", "O3")
			line = "md " + pick(gKeys)
		case 5:
			add("N0", "J"+pick([]string{"0", "9", "100", "18446744073709551615"}), "D"+pick([]string{"1", "5", "1000"}),
				"M"+pick([]string{"I", "+", "D", "-"}), "q", "v", "c", "k", "O4", cas())
			line = "ma " + pick(aKeys)
		}
		rng.Shuffle(len(fl), func(i, j int) { fl[i], fl[j] = fl[j], fl[i] })
		for _, f := range fl {
			line += " " + f
		}
		in := line + "\r\n" + data
		got := exchange(t, conn, in)
		want := string(eng.serve(t, []byte(in)))
		if got != want {
			t.Fatalf("request %d %q: memcached %q, ours %q", i, in, got, want)
		}
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"unicode/utf8"
)

type getCmd struct {
	Key    string `arg:"" help:"Key to fetch."`
	JSON   bool   `name:"json" help:"Print key, flags, cas and value as JSON (value_base64 for non-UTF-8 values)."`
	Meta   bool   `help:"Print flags, cas and size on stderr besides the value."`
	Output string `short:"o" placeholder:"FILE" help:"Write the value to FILE instead of stdout."`
}

func (c *getCmd) Run(g *Globals, e *env) error {
	conn, err := g.one("get")
	if err != nil {
		return err
	}
	defer conn.Close()
	it, err := conn.Get(c.Key)
	if err != nil {
		return fmt.Errorf("get %q: %w", c.Key, err)
	}
	if c.JSON {
		out := map[string]any{"key": it.Key, "flags": it.Flags, "cas": it.CAS, "bytes": len(it.Value)}
		if utf8.Valid(it.Value) {
			out["value"] = string(it.Value)
		} else {
			out["value_base64"] = it.Value
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if c.Meta {
		fmt.Fprintf(e.stderr, "key=%s flags=%d cas=%d bytes=%d\n", it.Key, it.Flags, it.CAS, len(it.Value))
	}
	if c.Output != "" {
		return os.WriteFile(c.Output, it.Value, 0o644)
	}
	if _, err := e.stdout.Write(it.Value); err != nil {
		return err
	}
	if e.stdoutTTY && (len(it.Value) == 0 || it.Value[len(it.Value)-1] != '\n') {
		fmt.Fprintln(e.stdout)
	}
	return nil
}

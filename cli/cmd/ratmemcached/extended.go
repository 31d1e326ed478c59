package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ratmemcache/ratmemcache/cli/internal/config"
)

// memcachedIgnored are memcached -o options that tune machinery we do not
// have (slabs, the LRU maintainer and crawler, extstore, logging buffers,
// hash table sizing). They are accepted, with or without a value and with
// or without the no_ prefix, and reported as ignored.
var memcachedIgnored = []string{
	"hashpower", "tail_repair_time", "lru_crawler", "lru_crawler_sleep", "lru_crawler_tocrawl",
	"lru_maintainer", "lru_segmented", "hot_lru_pct", "warm_lru_pct", "hot_max_factor",
	"warm_max_factor", "temporary_ttl", "slab_chunk_max", "slab_reassign", "slab_automove",
	"slab_automove_ratio", "slab_automove_window", "slab_automove_freeratio", "watcher_logbuf_size",
	"worker_logbuf_size", "track_sizes", "hashexpand", "modern", "sock_cookie_id",
	"read_buf_mem_limit", "inline_ascii_response", "resp_obj_mem_limit", "ext_path",
	"ext_page_size", "ext_wbuf_size", "ext_threads", "ext_io_depth", "ext_item_size",
	"ext_item_age", "ext_low_ttl", "ext_drop_unread", "ext_recache_rate", "ext_compact_under",
	"ext_drop_under", "ext_max_frag", "ext_max_sleep", "ssl_keyformat", "ssl_ciphers",
	"ssl_wbuf_size", "ssl_session_cache", "ssl_kernel_tls", "ssl_min_version", "proxy_config",
	"large_memory_pages", "lru_crawler_metadump", "slab_sizes", "chunked_items", "drop_privileges",
	"relaxed_privileges", "proxy_uring", "inline_ascii_resp",
}

var hashAlgorithms = []string{"jenkins", "murmur3", "xxh3"}

// applyExtended applies memcached -o options (and ours) to cfg, marking
// the keys it sets in keys. Unknown options are errors naming them.
func applyExtended(cfg *config.Config, opts []string, keys map[string]bool) ([]notice, error) {
	var notes []notice
	var errs []error
	for _, opt := range opts {
		opt = strings.TrimSpace(opt)
		if opt == "" {
			continue
		}
		name, val, hasVal := strings.Cut(opt, "=")
		need := func() bool {
			if !hasVal || val == "" {
				errs = append(errs, fmt.Errorf("-o %s needs a value (%s=…)", name, name))
				return false
			}
			return true
		}
		setInt := func(key string, dst *int) {
			if !need() {
				return
			}
			n, err := strconv.Atoi(val)
			if err != nil {
				errs = append(errs, fmt.Errorf("-o %s: %q is not an integer", name, val))
				return
			}
			*dst = n
			keys[key] = true
		}
		setStr := func(key string, dst *string) {
			if need() {
				*dst = val
				keys[key] = true
			}
		}
		switch name {
		case "idle_timeout":
			if !need() {
				continue
			}
			d, err := config.ParseDuration(val)
			if err != nil {
				errs = append(errs, fmt.Errorf("-o idle_timeout: %w", err))
				continue
			}
			cfg.Performance.IdleTimeout = config.Duration(d)
			keys["performance.idle_timeout"] = true
		case "maxconns_fast":
			// Always on: connections over the limit are told so and closed.
		case "no_maxconns_fast":
			notes = append(notes, notice{ignored: true, msg: "-o no_maxconns_fast is ignored: connections over the limit are always told so and closed at once"})
		case "hash_algorithm":
			if !need() {
				continue
			}
			if !slices.Contains(hashAlgorithms, val) {
				errs = append(errs, fmt.Errorf("-o hash_algorithm: %q is not one of %s", val, strings.Join(hashAlgorithms, ", ")))
				continue
			}
			notes = append(notes, notice{ignored: true, msg: "-o hash_algorithm is ignored: the engine uses its own hash"})
		case "ssl_chain_cert":
			setStr("server.tls_cert_file", &cfg.Server.TLSCertFile)
		case "ssl_key":
			setStr("server.tls_key_file", &cfg.Server.TLSKeyFile)
		case "ssl_ca_cert":
			setStr("server.tls_ca_file", &cfg.Server.TLSCAFile)
		case "ssl_verify_mode":
			setInt("server.tls_verify_mode", &cfg.Server.TLSVerifyMode)
		// Ours, so that every config key has a memcached-style spelling too.
		case "eviction":
			setStr("l1.eviction_strategy", &cfg.L1.EvictionStrategy)
		case "data_dir":
			setStr("l2.data_dir", &cfg.L2.DataDir)
		case "no_l2":
			cfg.L2.EnableL2Cache = false
			keys["l2.enable_l2_cache"] = true
		case "max_entries":
			if need() {
				n, err := strconv.ParseInt(val, 10, 64)
				if err != nil {
					errs = append(errs, fmt.Errorf("-o max_entries: %q is not an integer", val))
					continue
				}
				cfg.L1.MaxEntries = n
				keys["l1.max_entries"] = true
			}
		case "large_value_threshold":
			if need() {
				n, err := config.ParseSize(val)
				if err != nil {
					errs = append(errs, fmt.Errorf("-o large_value_threshold: %w", err))
					continue
				}
				cfg.Performance.LargeValueThreshold = config.Size(n)
				keys["performance.large_value_threshold"] = true
			}
		default:
			base := strings.TrimPrefix(name, "no_")
			if slices.Contains(memcachedIgnored, base) || slices.Contains(memcachedIgnored, name) {
				notes = append(notes, notice{ignored: true, msg: "-o " + name + " is ignored: it tunes memcached internals that ratmemcached does not have"})
				continue
			}
			errs = append(errs, fmt.Errorf("unknown extended option -o %s", name))
		}
	}
	return notes, errors.Join(errs...)
}

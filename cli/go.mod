module github.com/ratmemcache/ratmemcache/cli

go 1.26

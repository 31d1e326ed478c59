# Logs in to a server at ARGV[0] with SASL PLAIN through Dalli (binary
# protocol) as ARGV[1] with password ARGV[2], stores and reads a key, and
# prints what happened; the end-to-end test runs it against ratmemcached -S.
require 'dalli'
require 'logger'

Dalli.logger.level = Logger::WARN

addr, user, pass = ARGV
$stdout.sync = true
dc = Dalli::Client.new(addr, username: user, password: pass, socket_timeout: 2, socket_max_failovers: 0)
begin
  dc.set('sasl-key', 'sasl-value', 0, raw: true)
  puts "get: #{dc.get('sasl-key', raw: true).inspect}"
rescue StandardError => e
  puts "raised #{e.class}: #{e.message}"
end

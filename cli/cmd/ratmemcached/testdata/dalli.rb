# Drives a memcached-compatible server at ARGV[0] with Dalli, Ruby's
# memcached client, which speaks the binary protocol; prints one line per
# operation with what the library returned. The end-to-end test runs this
# against memcached and against ratmemcached and compares the transcripts.
require 'dalli'

addr = ARGV[0] or abort 'usage: dalli.rb host:port'
$stdout.sync = true

def show(name)
  v = yield
  v = v.sort.to_h if v.is_a?(Hash)
  puts "#{name}: #{v.inspect}"
rescue StandardError => e
  puts "#{name}: raised #{e.class}: #{e.message}"
end

# CAS values are numbers the server picks; print whether one was given.
def cas?(v)
  v.is_a?(Integer) && v.positive? ? 'cas' : v.inspect
end

dc = Dalli::Client.new(addr, socket_timeout: 2, socket_max_failovers: 0)
raw = { raw: true }

show('flush') { dc.flush }
show('version') { dc.version.values.map { |v| v.nil? ? nil : v.split('.').size } }

# Stores, reads, misses.
show('set a') { cas?(dc.set('a', 'alpha', 0, raw)) }
show('get a') { dc.get('a', raw) }
show('get missing') { dc.get('missing') }
show('set ruby object') { cas?(dc.set('obj', { 'list' => [1, 2, 3], 'sym' => :x })) }
show('get ruby object') { dc.get('obj') }
show('add existing') { dc.add('a', 'other', 0, raw) }
show('add new') { cas?(dc.add('b', 'beta', 0, raw)) }
show('replace existing') { cas?(dc.replace('b', 'BETA', 0, raw)) }
show('replace missing') { dc.replace('nope', 'x', 0, raw) }
show('get b') { dc.get('b', raw) }
show('append') { dc.append('a', '-tail') }
show('prepend') { dc.prepend('a', 'head-') }
show('get a after append/prepend') { dc.get('a', raw) }
show('append missing') { dc.append('nope', 'x') }
show('prepend missing') { dc.prepend('nope', 'x') }
show('delete a') { dc.delete('a') }
show('delete a again') { dc.delete('a') }
show('get a deleted') { dc.get('a', raw) }

# Empty and binary values, long keys, namespaced keys.
show('set empty') { cas?(dc.set('empty', '', 0, raw)) }
show('get empty') { dc.get('empty', raw) }
bin = (0..255).map(&:chr).join.b * 4
show('set binary') { cas?(dc.set('bin', bin, 0, raw)) }
show('get binary equal') { dc.get('bin', raw) == bin }
long = 'k' * 250
show('set 250-byte key') { cas?(dc.set(long, 'v', 0, raw)) }
show('get 250-byte key') { dc.get(long, raw) }
show('set 300-byte key (hashed by Dalli)') { cas?(dc.set('x' * 300, 'v', 0, raw)) }
show('get 300-byte key') { dc.get('x' * 300, raw) }

# Counters.
show('incr missing') { dc.incr('n', 1) }
show('incr missing with initial') { dc.incr('n', 1, 0, 10) }
show('incr') { dc.incr('n', 5) }
show('decr') { dc.decr('n', 3) }
show('decr below zero') { dc.decr('n', 100) }
show('decr missing with initial') { dc.decr('m', 1, 0, 7) }
show('set counter text') { cas?(dc.set('c', '18446744073709551615', 0, raw)) }
show('incr wraps') { dc.incr('c', 2) }
show('set non-numeric') { cas?(dc.set('t', 'abc', 0, raw)) }
show('incr non-numeric') { dc.incr('t', 1) }
show('get counter') { dc.get('n', raw) }

# Compare-and-swap.
show('set cas key') { cas?(dc.set('ck', 'one', 0, raw)) }
show('get_cas') { v, c = dc.get_cas('ck'); [v, cas?(c)] }
show('cas block') { cas?(dc.cas('ck', 0, raw) { |v| v + '-two' }) }
show('get after cas') { dc.get('ck', raw) }
show('cas missing') { dc.cas('nope', 0, raw) { |v| v } }
show('cas! missing (stores)') { cas?(dc.cas!('new-cas', 0, raw) { |_v| 'made' }) }
show('get cas! key') { dc.get('new-cas', raw) }
show('set_cas stale') do
  _, c = dc.get_cas('ck')
  dc.set('ck', 'changed', 0, raw)
  dc.set_cas('ck', 'stale', c, 0, raw)
end
show('set_cas current') do
  _, c = dc.get_cas('ck')
  cas?(dc.set_cas('ck', 'fresh', c, 0, raw))
end
show('replace_cas current') do
  _, c = dc.get_cas('ck')
  cas?(dc.replace_cas('ck', 'replaced', c, 0, raw))
end
show('delete_cas stale') do
  _, c = dc.get_cas('ck')
  dc.set('ck', 'moved', 0, raw)
  dc.delete_cas('ck', c)
end
show('delete_cas current') do
  _, c = dc.get_cas('ck')
  dc.delete_cas('ck', c)
end
show('get after delete_cas') { dc.get('ck', raw) }

# Multi-get, quiet multi, fetch.
show('sets for get_multi') { { 'm1' => 'one', 'm2' => 'two', 'm3' => 'three' }.map { |k, v| cas?(dc.set(k, v, 0, raw)) } }
show('get_multi') { dc.get_multi('m1', 'm2', 'missing', 'm3', 'empty') }
show('get_multi none') { dc.get_multi('none1', 'none2') }
show('get_multi 100') do
  100.times { |i| dc.set("many#{i}", "v#{i}", 0, raw) }
  h = dc.get_multi((0...120).map { |i| "many#{i}" })
  [h.size, h['many0'], h['many99'], h.key?('many100')]
end
show('multi block (quiet sets)') do
  dc.multi do
    dc.set('q1', 'x', 0, raw)
    dc.set('q2', 'y', 0, raw)
    dc.delete('q1')
  end
  [dc.get('q1', raw), dc.get('q2', raw)]
end
show('fetch miss') { dc.fetch('f', 0, raw) { 'computed' } }
show('fetch hit') { dc.fetch('f', 0, raw) { 'not used' } }
show('quiet deletes') { dc.multi { dc.delete('m1'); dc.delete('m2'); dc.delete('never') } }
show('get_multi after quiet deletes') { dc.get_multi('m1', 'm2', 'm3') }

# Expiry: touch, get-and-touch, negative TTLs.
show('set ttl') { cas?(dc.set('ttl', 'v', 100, raw)) }
show('touch') { dc.touch('ttl', 200) }
show('touch missing') { dc.touch('nope', 10) }
show('gat') { dc.gat('ttl', 300) }
show('gat missing') { dc.gat('nope', 10) }
show('set expired (negative ttl)') { cas?(dc.set('gone', 'v', -1, raw)) }
show('get expired') { dc.get('gone', raw) }

# Large values: compressed by Dalli above 4 KB, refused above 1 MB.
big = ('abcdefghij' * 20_000)
show('set 200 KB (compressed)') { cas?(dc.set('big', big)) }
show('get 200 KB equal') { dc.get('big') == big }
rnd = Random.new(7).bytes(900_000)
show('set 900 KB random') { cas?(dc.set('rnd', rnd, 0, raw)) }
show('get 900 KB equal') { dc.get('rnd', raw) == rnd }
show('set 2 MB random (client refuses)') { dc.set('huge', Random.new(8).bytes(2_000_000), 0, raw) }
show('set 2 MB compressible (stored compressed)') { cas?(dc.set('huge', 'x' * 2_000_000)) }
show('get 2 MB compressible') { dc.get('huge')&.size }
roomy = Dalli::Client.new(addr, value_max_bytes: 8_000_000, socket_timeout: 2, socket_max_failovers: 0)
show('set 1.5 MB random (server refuses)') { roomy.set('toobig', Random.new(9).bytes(1_500_000), 0, raw) }
show('get after refused set') { roomy.get('toobig', raw) }
show('connection still usable') { roomy.get('b', raw) }
roomy.close

# Namespaces.
ns = Dalli::Client.new(addr, namespace: 'app', socket_timeout: 2)
show('namespaced set') { cas?(ns.set('k', 'in-ns', 0, raw)) }
show('namespaced get') { ns.get('k', raw) }
show('plain get of namespaced key') { dc.get('app:k', raw) }
show('plain get without namespace') { dc.get('k', raw) }
ns.close

# Stats and flush.
show('stats keys') do
  s = dc.stats.values.first
  %w[pid uptime curr_items total_items cmd_get cmd_set get_hits get_misses bytes
     curr_connections total_connections evictions limit_maxbytes threads].map { |k| [k, s.key?(k)] }
end
show('stats items responds') { dc.stats(:items).values.first.is_a?(Hash) }
show('stats slabs responds') { dc.stats(:slabs).values.first.is_a?(Hash) }
show('reset_stats') { dc.reset_stats }
show('flush with delay') { dc.flush(0).size }
show('get after flush') { dc.get_multi('m3', 'b', 'n') }
show('alive!') { dc.alive!.nil? ? nil : true }
dc.close
puts 'done'

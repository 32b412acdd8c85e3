namespace ClusterGroups.Simulation.Keyspace;

// The Lua side of a script's environment, run once per state: the redis table over the one command entry (the C#
// callback, passed as the chunk's argument), the error handler (returned), and Redis 7's rules for scripts (no new globals, no
// reading of undefined ones; no io, os, package, debug). The callback never raises a Lua error itself (a longjmp
// through .NET frames is undefined): it returns the reply and whether it is an error, and redis.call raises it here.
internal static class LuaPrelude
{
    public const string Source = """
        local command = ...
        local error, type, tostring, rawset = error, type, tostring, rawset

        redis = {}
        -- An error reply raises the {err=...} table itself (Redis 7 does; a script's pcall then gets that table).
        function redis.call(...)
          local reply, failed = command(...)
          if failed then error(reply, 0) end
          return reply
        end
        function redis.pcall(...)
          local reply = command(...)
          return reply
        end
        -- "-CODE msg" and "CODE msg" keep their code; a message without one gets ERR (Redis' luaPushErrorBuff).
        function redis.error_reply(message)
          if type(message) ~= 'string' then return {err = 'ERR wrong number or type of arguments'} end
          if message:sub(1, 1) == '-' then message = message:sub(2) end
          if not message:find(' ', 1, true) then message = 'ERR ' .. message end
          return {err = (message:gsub('[\r\n]+$', ''))}
        end
        function redis.status_reply(message)
          if type(message) ~= 'string' then return {err = 'ERR wrong number or type of arguments'} end
          return {ok = message}
        end
        function redis.log() end
        redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
        function redis.replicate_commands() return true end
        function redis.set_repl() end
        redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3

        -- Redis 7's pcall hands a script the message of an error reply (the err string), not the {err=...} table.
        local lua_pcall, pack, unpack_ = pcall, table.pack, table.unpack
        pcall = function(...)
          local results = pack(lua_pcall(...))
          if not results[1] and type(results[2]) == 'table' and type(results[2].err) == 'string' then
            results[2] = results[2].err
          end
          return unpack_(results, 1, results.n)
        end

        -- Lua 5.1 (Redis') has unpack as a global.
        unpack = table.unpack
        -- Redis' math.random is deterministic; so is this state's.
        math.randomseed(0)
        io, os, package, require, dofile, loadfile, debug, utf8 = nil, nil, nil, nil, nil, nil, nil, nil

        -- A string error (a runtime error, error('...')) becomes {err='ERR <message>'}, as Redis' handler makes it.
        local function handler(e)
          if type(e) == 'table' then return e end
          return {err = 'ERR ' .. tostring(e)}
        end

        setmetatable(_G, {
          __index = function(_, name)
            error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
          end,
          __newindex = function(_, name)
            error("Attempt to modify a readonly table", 2)
          end,
        })
        return handler
        """;
}

function __tokenfactory_models
    set -q OMNIVA_API_KEY; or return
    test -n "$OMNIVA_API_KEY"; or return
    tokenfactory models --connect-timeout 2 --timeout 2 --retries 0 2>/dev/null
end

# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tokenfactory_global_optspecs
    string join \n color= base-url= connect-timeout= timeout= idle-timeout= retries= max-wait= ca-bundle= v/verbose h/help V/version
end

function __fish_tokenfactory_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tokenfactory_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tokenfactory_using_subcommand
    set -l cmd (__fish_tokenfactory_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -l base-url -d 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]' -r
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -l connect-timeout -d 'Seconds allowed to establish a connection [default: 10]' -r
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -l timeout -d 'Seconds allowed for a whole request, or for a stream\'s first content [env: OMNIVA_TIMEOUT] [default: 600]' -r
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -l idle-timeout -d 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]' -r
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -l retries -d 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]' -r
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -l max-wait -d 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]' -r
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -l ca-bundle -d 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]' -r -F
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -s v -l verbose -d 'Print each request and response line, timings and retries to stderr (key redacted)'
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -s V -l version -d 'Print version'
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -f -a "chat" -d 'Send a prompt and print the answer'
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -f -a "models" -d 'List the models the API serves, to paste an exact ID'
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -f -a "embed" -d 'Turn text into vectors (embeddings): one text, or every line of a file'
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -f -a "batch" -d 'Run a file of requests, as fast as the rate limit allows; results in order, resumable'
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -f -a "history" -d 'Find past conversations: list, show, search, remove'
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -f -a "doctor" -d 'Check the setup step by step and explain what is wrong'
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -f -a "man" -d 'Print the man page (roff): tokenfactory(1), or tokenfactory-COMMAND(1)'
complete -c tokenfactory -n "__fish_tokenfactory_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -s m -l model -d 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]' -r -f -a "(__tokenfactory_models)"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -s s -l system -d 'System message sent before the prompt' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l temperature -d 'Sampling temperature (0 to 2)' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l max-tokens -d 'Most tokens the answer may use (reasoning models spend part of it thinking)' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l fallback-model -d 'Model to try next when the model is unavailable (503 or unknown); repeatable [env: OMNIVA_FALLBACK_MODELS]' -r -f -a "(__tokenfactory_models)"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l conversation -d 'Continue conversation ID (a unique prefix of 4 characters or more; see `tokenfactory history`)' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l print -d 'Print the request as a runnable program instead of sending it (the key stays $OMNIVA_API_KEY)' -r -f -a "curl\t''
python\t''
typescript\t''
http\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l schema -d 'The answer must be JSON valid against this JSON Schema (a file, or inline JSON)' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l schema-retries -d 'How many times an answer that fails the schema is asked for again; 0 never' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l base-url -d 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l connect-timeout -d 'Seconds allowed to establish a connection [default: 10]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l timeout -d 'Seconds allowed for a whole request, or for a stream\'s first content [env: OMNIVA_TIMEOUT] [default: 600]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l idle-timeout -d 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l retries -d 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l max-wait -d 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l ca-bundle -d 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]' -r -F
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -s i -l interactive -d 'Open an interactive session (the default on a terminal when no prompt is given)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l stream -d 'Print tokens as they arrive'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l json -d 'Print the raw JSON response instead of the answer (with --stream: one chunk object per line)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l reasoning -d 'Show the model\'s reasoning on stderr'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l stats -d 'Print model, token counts and timings to stderr after the answer'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l no-stdin -d 'Never read stdin (for cron and CI, where stdin is not a terminal but not input either)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -s c -l continue -d 'Continue the latest conversation: its messages are sent before the prompt'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -l no-history -d 'Record nothing in the history, and read nothing from it [env: OMNIVA_HISTORY=off]'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -s v -l verbose -d 'Print each request and response line, timings and retries to stderr (key redacted)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand chat" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand models" -l sort -d 'Order: id (case-insensitive), created (newest first), owner (then ID)' -r -f -a "id\t''
created\t''
owner\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand models" -l base-url -d 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand models" -l connect-timeout -d 'Seconds allowed to establish a connection [default: 10]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand models" -l timeout -d 'Seconds allowed for a whole request, or for a stream\'s first content [env: OMNIVA_TIMEOUT] [default: 600]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand models" -l idle-timeout -d 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand models" -l retries -d 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand models" -l max-wait -d 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand models" -l ca-bundle -d 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]' -r -F
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand models" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand models" -l json -d 'Print the server\'s JSON as received (unfiltered)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand models" -s v -l verbose -d 'Print each request and response line, timings and retries to stderr (key redacted)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand models" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l lines -d 'One input per non-empty line of FILE (or of the file TEXT names; - for stdin); one JSON line per input, in input order' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -s m -l model -d 'Embeddings model [env: OMNIVA_EMBEDDING_MODEL] [default: BAAI/bge-large-en-v1.5]' -r -f -a "(__tokenfactory_models)"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l batch-size -d 'Inputs per request with --lines (a request the server finds too large is split)' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -s j -l jobs -d 'Most requests in flight at once with --lines (fewer while the server refuses)' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -s o -l output -d 'With --lines, write the results here: inputs already in it are skipped (resume)' -r -F
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l dimensions -d 'Ask for vectors of N dimensions (servers that support it shorten them)' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l base-url -d 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l connect-timeout -d 'Seconds allowed to establish a connection [default: 10]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l timeout -d 'Seconds allowed for a whole request, or for a stream\'s first content [env: OMNIVA_TIMEOUT] [default: 600]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l idle-timeout -d 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l retries -d 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l max-wait -d 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l ca-bundle -d 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]' -r -F
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l retry-failed -d 'With -o: send again the inputs whose lines in FILE hold an error'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l restart -d 'With -o: replace FILE\'s results instead of resuming from them'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l no-text -d 'With --lines, leave each input\'s text out of its line'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l json -d 'Print the server\'s JSON as received instead of the vector'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l stats -d 'Print tokens, vectors, dimensions and time to stderr'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -l no-stdin -d 'Never read stdin (for cron and CI)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -s v -l verbose -d 'Print each request and response line, timings and retries to stderr (key redacted)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand embed" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and not __fish_seen_subcommand_from run help" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and not __fish_seen_subcommand_from run help" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and not __fish_seen_subcommand_from run help" -f -a "run" -d 'Send every request of INPUT; write one result line per request, in input order'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and not __fish_seen_subcommand_from run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l lines -d 'Each non-empty line of FILE (or INPUT) is one prompt; its ID is its line number' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -s o -l output -d 'Write the results here: IDs already in it are skipped (resume) [default: stdout]' -r -F
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -s j -l jobs -d 'Most requests in flight at once (fewer while the server refuses)' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l give-up-after -d 'Stop the run when no request has been answered for this many seconds [default: 300]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -s m -l model -d 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]' -r -f -a "(__tokenfactory_models)"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l fallback-model -d 'Model to try next when the model is unavailable (503 or unknown); repeatable [env: OMNIVA_FALLBACK_MODELS]' -r -f -a "(__tokenfactory_models)"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -s s -l system -d 'System message sent before the prompt' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l temperature -d 'Sampling temperature (0 to 2)' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l max-tokens -d 'Most tokens the answer may use (reasoning models spend part of it thinking)' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l base-url -d 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l connect-timeout -d 'Seconds allowed to establish a connection [default: 10]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l timeout -d 'Seconds allowed for a whole request, or for a stream\'s first content [env: OMNIVA_TIMEOUT] [default: 600]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l idle-timeout -d 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l retries -d 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l max-wait -d 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l ca-bundle -d 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]' -r -F
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l retry-failed -d 'With -o: send again the requests whose lines in FILE hold an error'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l restart -d 'With -o: replace FILE\'s results instead of resuming from them'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -l check -d 'Check every line of INPUT and send nothing'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Print each request and response line, timings and retries to stderr (key redacted)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from help" -f -a "run" -d 'Send every request of INPUT; write one result line per request, in input order'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand batch; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and not __fish_seen_subcommand_from show search rm clear path help" -s n -l limit -d 'How many conversations to list, newest first' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and not __fish_seen_subcommand_from show search rm clear path help" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and not __fish_seen_subcommand_from show search rm clear path help" -l json -d 'Print the conversations as JSON'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and not __fish_seen_subcommand_from show search rm clear path help" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and not __fish_seen_subcommand_from show search rm clear path help" -f -a "show" -d 'Print a conversation as Markdown: the latest, or ID (a unique prefix is enough)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and not __fish_seen_subcommand_from show search rm clear path help" -f -a "search" -d 'Full-text search over prompts and answers, best matches first'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and not __fish_seen_subcommand_from show search rm clear path help" -f -a "rm" -d 'Delete conversations'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and not __fish_seen_subcommand_from show search rm clear path help" -f -a "clear" -d 'Delete the whole history (asks first on a terminal)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and not __fish_seen_subcommand_from show search rm clear path help" -f -a "path" -d 'Print where the history file is'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and not __fish_seen_subcommand_from show search rm clear path help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from show" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from show" -l json -d 'Print the conversation and every recorded field as JSON'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from search" -s n -l limit -d 'How many matches to print' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from search" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from search" -l json -d 'Print the matches as JSON'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from search" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from rm" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from clear" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from clear" -s y -l yes -d 'Do not ask (needed when stdin is not a terminal)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from clear" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from path" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print a conversation as Markdown: the latest, or ID (a unique prefix is enough)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "search" -d 'Full-text search over prompts and answers, best matches first'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Delete conversations'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "clear" -d 'Delete the whole history (asks first on a terminal)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print where the history file is'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -s m -l model -d 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]' -r -f -a "(__tokenfactory_models)"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -l explain -d 'Print the troubleshooting guide (marking what applies now), or one case: a status such as 429, or a name' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -l base-url -d 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -l connect-timeout -d 'Seconds allowed to establish a connection [default: 10]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -l timeout -d 'Seconds allowed for a whole request, or for a stream\'s first content [env: OMNIVA_TIMEOUT] [default: 600]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -l idle-timeout -d 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -l retries -d 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -l max-wait -d 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]' -r
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -l ca-bundle -d 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]' -r -F
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -l no-chat -d 'Skip the checks that cost tokens (a completion and a stream)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -l json -d 'Print the results as JSON (for support tickets and scripts)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -l embeddings -d 'Also check one small embeddings request to OMNIVA_EMBEDDING_MODEL (else the default embeddings model); billable, and sent with --no-chat too'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -s v -l verbose -d 'Print each request and response line, timings and retries to stderr (key redacted)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand completions" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand completions" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand man" -l color -d 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand man" -s h -l help -d 'Print help'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and not __fish_seen_subcommand_from chat models embed batch history doctor completions man help" -f -a "chat" -d 'Send a prompt and print the answer'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and not __fish_seen_subcommand_from chat models embed batch history doctor completions man help" -f -a "models" -d 'List the models the API serves, to paste an exact ID'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and not __fish_seen_subcommand_from chat models embed batch history doctor completions man help" -f -a "embed" -d 'Turn text into vectors (embeddings): one text, or every line of a file'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and not __fish_seen_subcommand_from chat models embed batch history doctor completions man help" -f -a "batch" -d 'Run a file of requests, as fast as the rate limit allows; results in order, resumable'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and not __fish_seen_subcommand_from chat models embed batch history doctor completions man help" -f -a "history" -d 'Find past conversations: list, show, search, remove'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and not __fish_seen_subcommand_from chat models embed batch history doctor completions man help" -f -a "doctor" -d 'Check the setup step by step and explain what is wrong'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and not __fish_seen_subcommand_from chat models embed batch history doctor completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and not __fish_seen_subcommand_from chat models embed batch history doctor completions man help" -f -a "man" -d 'Print the man page (roff): tokenfactory(1), or tokenfactory-COMMAND(1)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and not __fish_seen_subcommand_from chat models embed batch history doctor completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and __fish_seen_subcommand_from batch" -f -a "run" -d 'Send every request of INPUT; write one result line per request, in input order'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and __fish_seen_subcommand_from history" -f -a "show" -d 'Print a conversation as Markdown: the latest, or ID (a unique prefix is enough)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and __fish_seen_subcommand_from history" -f -a "search" -d 'Full-text search over prompts and answers, best matches first'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and __fish_seen_subcommand_from history" -f -a "rm" -d 'Delete conversations'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and __fish_seen_subcommand_from history" -f -a "clear" -d 'Delete the whole history (asks first on a terminal)'
complete -c tokenfactory -n "__fish_tokenfactory_using_subcommand help; and __fish_seen_subcommand_from history" -f -a "path" -d 'Print where the history file is'

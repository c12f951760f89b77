
use builtin;
use str;

set edit:completion:arg-completer[tokenfactory] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tokenfactory'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tokenfactory'= {
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand --base-url 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]'
            cand --connect-timeout 'Seconds allowed to establish a connection [default: 10]'
            cand --timeout 'Seconds allowed for a whole request, or for a stream''s first content [env: OMNIVA_TIMEOUT] [default: 600]'
            cand --idle-timeout 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]'
            cand --retries 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]'
            cand --max-wait 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]'
            cand --ca-bundle 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]'
            cand -v 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand --verbose 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand chat 'Send a prompt and print the answer'
            cand models 'List the models the API serves, to paste an exact ID'
            cand embed 'Turn text into vectors (embeddings): one text, or every line of a file'
            cand batch 'Run a file of requests, as fast as the rate limit allows; results in order, resumable'
            cand history 'Find past conversations: list, show, search, remove'
            cand doctor 'Check the setup step by step and explain what is wrong'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff): tokenfactory(1), or tokenfactory-COMMAND(1)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenfactory;chat'= {
            cand -m 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --model 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand -s 'System message sent before the prompt'
            cand --system 'System message sent before the prompt'
            cand --temperature 'Sampling temperature (0 to 2)'
            cand --max-tokens 'Most tokens the answer may use (reasoning models spend part of it thinking)'
            cand --fallback-model 'Model to try next when the model is unavailable (503 or unknown); repeatable [env: OMNIVA_FALLBACK_MODELS]'
            cand --conversation 'Continue conversation ID (a unique prefix of 4 characters or more; see `tokenfactory history`)'
            cand --print 'Print the request as a runnable program instead of sending it (the key stays $OMNIVA_API_KEY)'
            cand --schema 'The answer must be JSON valid against this JSON Schema (a file, or inline JSON)'
            cand --schema-retries 'How many times an answer that fails the schema is asked for again; 0 never'
            cand --base-url 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]'
            cand --connect-timeout 'Seconds allowed to establish a connection [default: 10]'
            cand --timeout 'Seconds allowed for a whole request, or for a stream''s first content [env: OMNIVA_TIMEOUT] [default: 600]'
            cand --idle-timeout 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]'
            cand --retries 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]'
            cand --max-wait 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]'
            cand --ca-bundle 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]'
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand -i 'Open an interactive session (the default on a terminal when no prompt is given)'
            cand --interactive 'Open an interactive session (the default on a terminal when no prompt is given)'
            cand --stream 'Print tokens as they arrive'
            cand --json 'Print the raw JSON response instead of the answer (with --stream: one chunk object per line)'
            cand --reasoning 'Show the model''s reasoning on stderr'
            cand --stats 'Print model, token counts and timings to stderr after the answer'
            cand --no-stdin 'Never read stdin (for cron and CI, where stdin is not a terminal but not input either)'
            cand -c 'Continue the latest conversation: its messages are sent before the prompt'
            cand --continue 'Continue the latest conversation: its messages are sent before the prompt'
            cand --no-history 'Record nothing in the history, and read nothing from it [env: OMNIVA_HISTORY=off]'
            cand -v 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand --verbose 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenfactory;models'= {
            cand --sort 'Order: id (case-insensitive), created (newest first), owner (then ID)'
            cand --base-url 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]'
            cand --connect-timeout 'Seconds allowed to establish a connection [default: 10]'
            cand --timeout 'Seconds allowed for a whole request, or for a stream''s first content [env: OMNIVA_TIMEOUT] [default: 600]'
            cand --idle-timeout 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]'
            cand --retries 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]'
            cand --max-wait 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]'
            cand --ca-bundle 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]'
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand --json 'Print the server''s JSON as received (unfiltered)'
            cand -v 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand --verbose 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenfactory;embed'= {
            cand --lines 'One input per non-empty line of FILE (or of the file TEXT names; - for stdin); one JSON line per input, in input order'
            cand -m 'Embeddings model [env: OMNIVA_EMBEDDING_MODEL] [default: BAAI/bge-large-en-v1.5]'
            cand --model 'Embeddings model [env: OMNIVA_EMBEDDING_MODEL] [default: BAAI/bge-large-en-v1.5]'
            cand --batch-size 'Inputs per request with --lines (a request the server finds too large is split)'
            cand -j 'Most requests in flight at once with --lines (fewer while the server refuses)'
            cand --jobs 'Most requests in flight at once with --lines (fewer while the server refuses)'
            cand -o 'With --lines, write the results here: inputs already in it are skipped (resume)'
            cand --output 'With --lines, write the results here: inputs already in it are skipped (resume)'
            cand --dimensions 'Ask for vectors of N dimensions (servers that support it shorten them)'
            cand --base-url 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]'
            cand --connect-timeout 'Seconds allowed to establish a connection [default: 10]'
            cand --timeout 'Seconds allowed for a whole request, or for a stream''s first content [env: OMNIVA_TIMEOUT] [default: 600]'
            cand --idle-timeout 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]'
            cand --retries 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]'
            cand --max-wait 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]'
            cand --ca-bundle 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]'
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand --retry-failed 'With -o: send again the inputs whose lines in FILE hold an error'
            cand --restart 'With -o: replace FILE''s results instead of resuming from them'
            cand --no-text 'With --lines, leave each input''s text out of its line'
            cand --json 'Print the server''s JSON as received instead of the vector'
            cand --stats 'Print tokens, vectors, dimensions and time to stderr'
            cand --no-stdin 'Never read stdin (for cron and CI)'
            cand -v 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand --verbose 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenfactory;batch'= {
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand run 'Send every request of INPUT; write one result line per request, in input order'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenfactory;batch;run'= {
            cand --lines 'Each non-empty line of FILE (or INPUT) is one prompt; its ID is its line number'
            cand -o 'Write the results here: IDs already in it are skipped (resume) [default: stdout]'
            cand --output 'Write the results here: IDs already in it are skipped (resume) [default: stdout]'
            cand -j 'Most requests in flight at once (fewer while the server refuses)'
            cand --jobs 'Most requests in flight at once (fewer while the server refuses)'
            cand --give-up-after 'Stop the run when no request has been answered for this many seconds [default: 300]'
            cand -m 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --model 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --fallback-model 'Model to try next when the model is unavailable (503 or unknown); repeatable [env: OMNIVA_FALLBACK_MODELS]'
            cand -s 'System message sent before the prompt'
            cand --system 'System message sent before the prompt'
            cand --temperature 'Sampling temperature (0 to 2)'
            cand --max-tokens 'Most tokens the answer may use (reasoning models spend part of it thinking)'
            cand --base-url 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]'
            cand --connect-timeout 'Seconds allowed to establish a connection [default: 10]'
            cand --timeout 'Seconds allowed for a whole request, or for a stream''s first content [env: OMNIVA_TIMEOUT] [default: 600]'
            cand --idle-timeout 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]'
            cand --retries 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]'
            cand --max-wait 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]'
            cand --ca-bundle 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]'
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand --retry-failed 'With -o: send again the requests whose lines in FILE hold an error'
            cand --restart 'With -o: replace FILE''s results instead of resuming from them'
            cand --check 'Check every line of INPUT and send nothing'
            cand -v 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand --verbose 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenfactory;batch;help'= {
            cand run 'Send every request of INPUT; write one result line per request, in input order'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenfactory;batch;help;run'= {
        }
        &'tokenfactory;batch;help;help'= {
        }
        &'tokenfactory;history'= {
            cand -n 'How many conversations to list, newest first'
            cand --limit 'How many conversations to list, newest first'
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand --json 'Print the conversations as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
            cand show 'Print a conversation as Markdown: the latest, or ID (a unique prefix is enough)'
            cand search 'Full-text search over prompts and answers, best matches first'
            cand rm 'Delete conversations'
            cand clear 'Delete the whole history (asks first on a terminal)'
            cand path 'Print where the history file is'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenfactory;history;show'= {
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand --json 'Print the conversation and every recorded field as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenfactory;history;search'= {
            cand -n 'How many matches to print'
            cand --limit 'How many matches to print'
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand --json 'Print the matches as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenfactory;history;rm'= {
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenfactory;history;clear'= {
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand -y 'Do not ask (needed when stdin is not a terminal)'
            cand --yes 'Do not ask (needed when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenfactory;history;path'= {
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenfactory;history;help'= {
            cand show 'Print a conversation as Markdown: the latest, or ID (a unique prefix is enough)'
            cand search 'Full-text search over prompts and answers, best matches first'
            cand rm 'Delete conversations'
            cand clear 'Delete the whole history (asks first on a terminal)'
            cand path 'Print where the history file is'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenfactory;history;help;show'= {
        }
        &'tokenfactory;history;help;search'= {
        }
        &'tokenfactory;history;help;rm'= {
        }
        &'tokenfactory;history;help;clear'= {
        }
        &'tokenfactory;history;help;path'= {
        }
        &'tokenfactory;history;help;help'= {
        }
        &'tokenfactory;doctor'= {
            cand -m 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --model 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --explain 'Print the troubleshooting guide (marking what applies now), or one case: a status such as 429, or a name'
            cand --base-url 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]'
            cand --connect-timeout 'Seconds allowed to establish a connection [default: 10]'
            cand --timeout 'Seconds allowed for a whole request, or for a stream''s first content [env: OMNIVA_TIMEOUT] [default: 600]'
            cand --idle-timeout 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]'
            cand --retries 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]'
            cand --max-wait 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]'
            cand --ca-bundle 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]'
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand --no-chat 'Skip the checks that cost tokens (a completion and a stream)'
            cand --json 'Print the results as JSON (for support tickets and scripts)'
            cand --embeddings 'Also check one small embeddings request to OMNIVA_EMBEDDING_MODEL (else the default embeddings model); billable, and sent with --no-chat too'
            cand -v 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand --verbose 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenfactory;completions'= {
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenfactory;man'= {
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenfactory;help'= {
            cand chat 'Send a prompt and print the answer'
            cand models 'List the models the API serves, to paste an exact ID'
            cand embed 'Turn text into vectors (embeddings): one text, or every line of a file'
            cand batch 'Run a file of requests, as fast as the rate limit allows; results in order, resumable'
            cand history 'Find past conversations: list, show, search, remove'
            cand doctor 'Check the setup step by step and explain what is wrong'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff): tokenfactory(1), or tokenfactory-COMMAND(1)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenfactory;help;chat'= {
        }
        &'tokenfactory;help;models'= {
        }
        &'tokenfactory;help;embed'= {
        }
        &'tokenfactory;help;batch'= {
            cand run 'Send every request of INPUT; write one result line per request, in input order'
        }
        &'tokenfactory;help;batch;run'= {
        }
        &'tokenfactory;help;history'= {
            cand show 'Print a conversation as Markdown: the latest, or ID (a unique prefix is enough)'
            cand search 'Full-text search over prompts and answers, best matches first'
            cand rm 'Delete conversations'
            cand clear 'Delete the whole history (asks first on a terminal)'
            cand path 'Print where the history file is'
        }
        &'tokenfactory;help;history;show'= {
        }
        &'tokenfactory;help;history;search'= {
        }
        &'tokenfactory;help;history;rm'= {
        }
        &'tokenfactory;help;history;clear'= {
        }
        &'tokenfactory;help;history;path'= {
        }
        &'tokenfactory;help;doctor'= {
        }
        &'tokenfactory;help;completions'= {
        }
        &'tokenfactory;help;man'= {
        }
        &'tokenfactory;help;help'= {
        }
    ]
    $completions[$command]
}

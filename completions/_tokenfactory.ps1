
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tokenfactory' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tokenfactory'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tokenfactory' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or for a stream''s first content [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('chat', 'chat', [CompletionResultType]::ParameterValue, 'Send a prompt and print the answer')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'List the models the API serves, to paste an exact ID')
            [CompletionResult]::new('embed', 'embed', [CompletionResultType]::ParameterValue, 'Turn text into vectors (embeddings): one text, or every line of a file')
            [CompletionResult]::new('batch', 'batch', [CompletionResultType]::ParameterValue, 'Run a file of requests, as fast as the rate limit allows; results in order, resumable')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Find past conversations: list, show, search, remove')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the setup step by step and explain what is wrong')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff): tokenfactory(1), or tokenfactory-COMMAND(1)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenfactory;chat' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'System message sent before the prompt')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System message sent before the prompt')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'Sampling temperature (0 to 2)')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most tokens the answer may use (reasoning models spend part of it thinking)')
            [CompletionResult]::new('--fallback-model', '--fallback-model', [CompletionResultType]::ParameterName, 'Model to try next when the model is unavailable (503 or unknown); repeatable [env: OMNIVA_FALLBACK_MODELS]')
            [CompletionResult]::new('--conversation', '--conversation', [CompletionResultType]::ParameterName, 'Continue conversation ID (a unique prefix of 4 characters or more; see `tokenfactory history`)')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print the request as a runnable program instead of sending it (the key stays $OMNIVA_API_KEY)')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'The answer must be JSON valid against this JSON Schema (a file, or inline JSON)')
            [CompletionResult]::new('--schema-retries', '--schema-retries', [CompletionResultType]::ParameterName, 'How many times an answer that fails the schema is asked for again; 0 never')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or for a stream''s first content [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Open an interactive session (the default on a terminal when no prompt is given)')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Open an interactive session (the default on a terminal when no prompt is given)')
            [CompletionResult]::new('--stream', '--stream', [CompletionResultType]::ParameterName, 'Print tokens as they arrive')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the raw JSON response instead of the answer (with --stream: one chunk object per line)')
            [CompletionResult]::new('--reasoning', '--reasoning', [CompletionResultType]::ParameterName, 'Show the model''s reasoning on stderr')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Print model, token counts and timings to stderr after the answer')
            [CompletionResult]::new('--no-stdin', '--no-stdin', [CompletionResultType]::ParameterName, 'Never read stdin (for cron and CI, where stdin is not a terminal but not input either)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Continue the latest conversation: its messages are sent before the prompt')
            [CompletionResult]::new('--continue', '--continue', [CompletionResultType]::ParameterName, 'Continue the latest conversation: its messages are sent before the prompt')
            [CompletionResult]::new('--no-history', '--no-history', [CompletionResultType]::ParameterName, 'Record nothing in the history, and read nothing from it [env: OMNIVA_HISTORY=off]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenfactory;models' {
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order: id (case-insensitive), created (newest first), owner (then ID)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or for a stream''s first content [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the server''s JSON as received (unfiltered)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenfactory;embed' {
            [CompletionResult]::new('--lines', '--lines', [CompletionResultType]::ParameterName, 'One input per non-empty line of FILE (or of the file TEXT names; - for stdin); one JSON line per input, in input order')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Embeddings model [env: OMNIVA_EMBEDDING_MODEL] [default: BAAI/bge-large-en-v1.5]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Embeddings model [env: OMNIVA_EMBEDDING_MODEL] [default: BAAI/bge-large-en-v1.5]')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Inputs per request with --lines (a request the server finds too large is split)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Most requests in flight at once with --lines (fewer while the server refuses)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Most requests in flight at once with --lines (fewer while the server refuses)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'With --lines, write the results here: inputs already in it are skipped (resume)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'With --lines, write the results here: inputs already in it are skipped (resume)')
            [CompletionResult]::new('--dimensions', '--dimensions', [CompletionResultType]::ParameterName, 'Ask for vectors of N dimensions (servers that support it shorten them)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or for a stream''s first content [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('--retry-failed', '--retry-failed', [CompletionResultType]::ParameterName, 'With -o: send again the inputs whose lines in FILE hold an error')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'With -o: replace FILE''s results instead of resuming from them')
            [CompletionResult]::new('--no-text', '--no-text', [CompletionResultType]::ParameterName, 'With --lines, leave each input''s text out of its line')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the server''s JSON as received instead of the vector')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Print tokens, vectors, dimensions and time to stderr')
            [CompletionResult]::new('--no-stdin', '--no-stdin', [CompletionResultType]::ParameterName, 'Never read stdin (for cron and CI)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenfactory;batch' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Send every request of INPUT; write one result line per request, in input order')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenfactory;batch;run' {
            [CompletionResult]::new('--lines', '--lines', [CompletionResultType]::ParameterName, 'Each non-empty line of FILE (or INPUT) is one prompt; its ID is its line number')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the results here: IDs already in it are skipped (resume) [default: stdout]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the results here: IDs already in it are skipped (resume) [default: stdout]')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Most requests in flight at once (fewer while the server refuses)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Most requests in flight at once (fewer while the server refuses)')
            [CompletionResult]::new('--give-up-after', '--give-up-after', [CompletionResultType]::ParameterName, 'Stop the run when no request has been answered for this many seconds [default: 300]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--fallback-model', '--fallback-model', [CompletionResultType]::ParameterName, 'Model to try next when the model is unavailable (503 or unknown); repeatable [env: OMNIVA_FALLBACK_MODELS]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'System message sent before the prompt')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System message sent before the prompt')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'Sampling temperature (0 to 2)')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most tokens the answer may use (reasoning models spend part of it thinking)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or for a stream''s first content [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('--retry-failed', '--retry-failed', [CompletionResultType]::ParameterName, 'With -o: send again the requests whose lines in FILE hold an error')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'With -o: replace FILE''s results instead of resuming from them')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Check every line of INPUT and send nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenfactory;batch;help' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Send every request of INPUT; write one result line per request, in input order')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenfactory;batch;help;run' {
            break
        }
        'tokenfactory;batch;help;help' {
            break
        }
        'tokenfactory;history' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many conversations to list, newest first')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many conversations to list, newest first')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the conversations as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a conversation as Markdown: the latest, or ID (a unique prefix is enough)')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Full-text search over prompts and answers, best matches first')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete conversations')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Delete the whole history (asks first on a terminal)')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print where the history file is')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenfactory;history;show' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the conversation and every recorded field as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenfactory;history;search' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many matches to print')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many matches to print')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the matches as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenfactory;history;rm' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenfactory;history;clear' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask (needed when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask (needed when stdin is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenfactory;history;path' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenfactory;history;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a conversation as Markdown: the latest, or ID (a unique prefix is enough)')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Full-text search over prompts and answers, best matches first')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete conversations')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Delete the whole history (asks first on a terminal)')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print where the history file is')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenfactory;history;help;show' {
            break
        }
        'tokenfactory;history;help;search' {
            break
        }
        'tokenfactory;history;help;rm' {
            break
        }
        'tokenfactory;history;help;clear' {
            break
        }
        'tokenfactory;history;help;path' {
            break
        }
        'tokenfactory;history;help;help' {
            break
        }
        'tokenfactory;doctor' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Print the troubleshooting guide (marking what applies now), or one case: a status such as 429, or a name')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or for a stream''s first content [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two pieces of a streamed answer [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('--no-chat', '--no-chat', [CompletionResultType]::ParameterName, 'Skip the checks that cost tokens (a completion and a stream)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the results as JSON (for support tickets and scripts)')
            [CompletionResult]::new('--embeddings', '--embeddings', [CompletionResultType]::ParameterName, 'Also check one small embeddings request to OMNIVA_EMBEDDING_MODEL (else the default embeddings model); billable, and sent with --no-chat too')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenfactory;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenfactory;man' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenfactory;help' {
            [CompletionResult]::new('chat', 'chat', [CompletionResultType]::ParameterValue, 'Send a prompt and print the answer')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'List the models the API serves, to paste an exact ID')
            [CompletionResult]::new('embed', 'embed', [CompletionResultType]::ParameterValue, 'Turn text into vectors (embeddings): one text, or every line of a file')
            [CompletionResult]::new('batch', 'batch', [CompletionResultType]::ParameterValue, 'Run a file of requests, as fast as the rate limit allows; results in order, resumable')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Find past conversations: list, show, search, remove')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the setup step by step and explain what is wrong')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff): tokenfactory(1), or tokenfactory-COMMAND(1)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenfactory;help;chat' {
            break
        }
        'tokenfactory;help;models' {
            break
        }
        'tokenfactory;help;embed' {
            break
        }
        'tokenfactory;help;batch' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Send every request of INPUT; write one result line per request, in input order')
            break
        }
        'tokenfactory;help;batch;run' {
            break
        }
        'tokenfactory;help;history' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a conversation as Markdown: the latest, or ID (a unique prefix is enough)')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Full-text search over prompts and answers, best matches first')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete conversations')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Delete the whole history (asks first on a terminal)')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print where the history file is')
            break
        }
        'tokenfactory;help;history;show' {
            break
        }
        'tokenfactory;help;history;search' {
            break
        }
        'tokenfactory;help;history;rm' {
            break
        }
        'tokenfactory;help;history;clear' {
            break
        }
        'tokenfactory;help;history;path' {
            break
        }
        'tokenfactory;help;doctor' {
            break
        }
        'tokenfactory;help;completions' {
            break
        }
        'tokenfactory;help;man' {
            break
        }
        'tokenfactory;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

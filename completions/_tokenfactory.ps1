
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
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two chunks of a stream [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('chat', 'chat', [CompletionResultType]::ParameterValue, 'Send a prompt and print the answer')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'List the models the API serves, to paste an exact ID')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Find past conversations: list, show, search, remove')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the setup step by step and explain what is wrong')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff): tokenfactory(1), or tokenfactory-COMMAND(1)')
            break
        }
        'tokenfactory;chat' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'System message sent before the prompt')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System message sent before the prompt')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'Sampling temperature (0 to 2)')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most tokens the answer may use (reasoning models spend part of it thinking)')
            [CompletionResult]::new('--fallback-model', '--fallback-model', [CompletionResultType]::ParameterName, 'Model to try next when the model is unavailable (503 or unknown); repeatable [env: OMNIVA_FALLBACK_MODELS]')
            [CompletionResult]::new('--conversation', '--conversation', [CompletionResultType]::ParameterName, 'Continue conversation ID (a unique prefix is enough; see `tokenfactory history`)')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print the request as a runnable program instead of sending it (the key stays $OMNIVA_API_KEY)')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'The answer must be JSON valid against this JSON Schema (a file, or inline JSON)')
            [CompletionResult]::new('--schema-retries', '--schema-retries', [CompletionResultType]::ParameterName, 'How many times an answer that fails the schema is asked for again; 0 never')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two chunks of a stream [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
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
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenfactory;models' {
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order: id (case-insensitive), created (newest first), owner (then ID)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two chunks of a stream [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the server''s JSON as received (unfiltered)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenfactory;history' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many conversations to list, newest first')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many conversations to list, newest first')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two chunks of a stream [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the conversations as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a conversation as Markdown: the latest, or ID (a unique prefix is enough)')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Full-text search over prompts and answers, best matches first')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete conversations (unique ID prefixes are enough)')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Delete the whole history (asks first on a terminal)')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print where the history file is')
            break
        }
        'tokenfactory;history;show' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two chunks of a stream [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the conversation and every recorded field as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenfactory;history;search' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many matches to print')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many matches to print')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two chunks of a stream [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the matches as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenfactory;history;rm' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two chunks of a stream [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenfactory;history;clear' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two chunks of a stream [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask (needed when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask (needed when stdin is not a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenfactory;history;path' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two chunks of a stream [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenfactory;doctor' {
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Print the troubleshooting guide (marking what applies now), or one case: a status such as 429, or a name')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two chunks of a stream [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('--no-chat', '--no-chat', [CompletionResultType]::ParameterName, 'Skip the checks that cost tokens (a completion and a stream)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the results as JSON (for support tickets and scripts)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenfactory;completions' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two chunks of a stream [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenfactory;man' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed to establish a connection [default: 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Longest gap, in seconds, between two chunks of a stream [default: 120]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request and response line, timings and retries to stderr (key redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

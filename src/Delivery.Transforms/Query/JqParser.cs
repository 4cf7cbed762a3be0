using System.Globalization;
using System.Text;

namespace Delivery.Transforms.Query;

/// <summary>
/// Reads a metadata-extraction query: a jq object construction such as
/// <c>{customer_id: .customer.id, day: .ts | strftime("%Y-%m-%d")}</c>. Each key's expression starts with a path into the
/// record (fields and array indexes) and may go on with steps (<see cref="JqStep"/>) joined by <c>|</c>.
/// </summary>
internal sealed class JqParser
{
    /// <summary>Firehose allows at most 50 partition keys.</summary>
    public const int MaxKeys = 50;

    private readonly string _text;
    private int _at;

    private JqParser(string text)
    {
        _text = text;
    }

    public static List<JqKey> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new JqParser(text);
        List<JqKey> keys = parser.ParseObject();
        parser.SkipSpace();
        if (parser._at < text.Length)
        {
            throw parser.Error("unexpected text after the closing '}'");
        }

        return keys;
    }

    private List<JqKey> ParseObject()
    {
        Expect('{', "a query is an object such as {customer_id: .customer_id}");
        var keys = new List<JqKey>();
        while (true)
        {
            SkipSpace();
            string name = Peek() == '"' ? ReadString() : ReadIdentifier("a key name");
            if (keys.Any(key => key.Name == name))
            {
                throw Error($"the key '{name}' is defined twice");
            }

            SkipSpace();
            List<JqStep> steps;
            List<PathSegment> path;
            if (Peek() == ':')
            {
                _at++;
                (path, steps) = ParseKeyExpression(name);
            }
            else
            {
                // {name} is jq's shorthand for {name: .name}.
                (path, steps) = ([new PathSegment(name, null)], []);
            }

            keys.Add(new JqKey(name, path, steps));
            if (keys.Count > MaxKeys)
            {
                throw Error($"a query defines at most {MaxKeys} keys");
            }

            SkipSpace();
            if (Peek() == ',')
            {
                _at++;
                continue;
            }

            Expect('}', "expected ',' or '}' after a key");
            return keys;
        }
    }

    private (List<PathSegment> Path, List<JqStep> Steps) ParseKeyExpression(string key)
    {
        var items = new List<object>();
        ParsePipe(items);

        // The leading run of fields and indexes is the path the record is scanned for; whatever follows is applied to
        // the value found. "." on its own (identity) continues the path: ".a | .b" is ".a.b".
        var path = new List<PathSegment>();
        int i = 0;
        if (items.Count == 0 || items[0] is not Identity)
        {
            throw Error($"the expression of key '{key}' must start with a path into the record, such as .{key}");
        }

        for (; i < items.Count; i++)
        {
            if (items[i] is Identity)
            {
                continue;
            }

            // A negative index counts from an array's end, which a forward scan cannot know: the array is taken
            // whole and indexed afterwards.
            if (items[i] is PathSegment { Index: null or >= 0 } segment)
            {
                path.Add(segment);
                continue;
            }

            break;
        }

        if (path.Count == 0)
        {
            throw Error($"the expression of key '{key}' must name a field of the record, such as .{key}");
        }

        var steps = new List<JqStep>();
        for (; i < items.Count; i++)
        {
            switch (items[i])
            {
                case Identity:
                    break;
                case PathSegment { Name: { } name }:
                    steps.Add(new FieldStep(name));
                    break;
                case PathSegment { Index: { } index }:
                    steps.Add(new IndexStep(index));
                    break;
                case JqStep step:
                    steps.Add(step);
                    break;
            }
        }

        return (path, steps);
    }

    // Everything flattens into one sequence: each supported operation takes only the current value.
    private void ParsePipe(List<object> items)
    {
        ParseTerm(items);
        while (true)
        {
            SkipSpace();
            if (Peek() != '|')
            {
                return;
            }

            _at++;
            ParseTerm(items);
        }
    }

    private void ParseTerm(List<object> items)
    {
        ParsePostfix(items);
        while (true)
        {
            SkipSpace();
            if (Peek() == '/' && PeekAt(1) == '/')
            {
                _at += 2;
                SkipSpace();
                items.Add(new AlternativeStep(Peek() == '"' ? JqValue.FromString(ReadString()) : JqValue.FromNumber(ReadNumber())));
            }
            else if (Peek() is '/' or '*' or '+' or '-')
            {
                char op = _text[_at++];
                SkipSpace();
                if (!char.IsAsciiDigit(Peek()))
                {
                    throw Error($"'{op}' takes a number literal on its right, such as '{op} 1000'");
                }

                items.Add(new ArithmeticStep(op, ReadNumber()));
            }
            else
            {
                return;
            }
        }
    }

    private void ParsePostfix(List<object> items)
    {
        SkipSpace();
        char c = Peek();
        if (c == '.')
        {
            _at++;
            items.Add(Identity.Instance);
            if (Peek() == '"')
            {
                items.Add(new PathSegment(ReadString(), null));
            }
            else if (IsIdentifierStart(Peek()))
            {
                items.Add(new PathSegment(ReadIdentifier("a field name"), null));
            }
        }
        else if (c == '(')
        {
            _at++;
            ParsePipe(items);
            Expect(')', "expected ')'");
        }
        else if (IsIdentifierStart(c))
        {
            items.Add(ParseFunction());
        }
        else
        {
            throw Error(c == '\0' ? "the expression ends too early" : $"unexpected '{c}'");
        }

        ParseSuffixes(items);
    }

    private void ParseSuffixes(List<object> items)
    {
        while (true)
        {
            if (Peek() == '.' && (IsIdentifierStart(PeekAt(1)) || PeekAt(1) == '"'))
            {
                _at++;
                items.Add(new PathSegment(Peek() == '"' ? ReadString() : ReadIdentifier("a field name"), null));
            }
            else if (Peek() == '.' && PeekAt(1) == '[')
            {
                _at++;
            }
            else if (Peek() == '[')
            {
                _at++;
                items.Add(ParseBracket());
            }
            else
            {
                return;
            }
        }
    }

    // [n], ["name"], [from:to]
    private object ParseBracket()
    {
        SkipSpace();
        if (Peek() == '"')
        {
            string name = ReadString();
            Expect(']', "expected ']'");
            return new PathSegment(name, null);
        }

        int? from = Peek() == ':' ? null : ReadInteger();
        SkipSpace();
        if (Peek() == ']')
        {
            _at++;
            return new PathSegment(null, from);
        }

        Expect(':', "expected ']' or ':' in an index or slice");
        SkipSpace();
        int? to = Peek() == ']' ? null : ReadInteger();
        Expect(']', "expected ']' after a slice");
        return new SliceStep(from, to);
    }

    private FunctionStep ParseFunction()
    {
        int start = _at;
        string name = ReadIdentifier("a function");
        if (!FunctionStep.IsKnown(name))
        {
            _at = start;
            throw Error($"'{name}' is not a supported function; supported: {FunctionStep.Names}");
        }

        SkipSpace();
        string? argument = null;
        if (FunctionStep.TakesArgument(name))
        {
            Expect('(', $"{name} takes a string argument, such as {name}(\"-\")");
            SkipSpace();
            argument = ReadString();
            Expect(')', $"{name} takes one string argument");
            if (name is "strftime" or "strptime")
            {
                try
                {
                    JqTime.Validate(argument, name);
                }
                catch (JqException ex)
                {
                    throw Error(ex.Message);
                }
            }
        }
        else if (Peek() == '(')
        {
            throw Error($"{name} takes no argument");
        }

        return new FunctionStep(name, argument);
    }

    private string ReadIdentifier(string what)
    {
        SkipSpace();
        int start = _at;
        if (!IsIdentifierStart(Peek()))
        {
            throw Error($"expected {what}");
        }

        while (_at < _text.Length && (char.IsAsciiLetterOrDigit(_text[_at]) || _text[_at] == '_'))
        {
            _at++;
        }

        return _text[start.._at];
    }

    // A JSON string literal.
    private string ReadString()
    {
        Expect('"', "expected a string");
        var text = new StringBuilder();
        while (true)
        {
            if (_at >= _text.Length)
            {
                throw Error("a string is not closed");
            }

            char c = _text[_at++];
            if (c == '"')
            {
                return text.ToString();
            }

            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            char escaped = _at < _text.Length ? _text[_at++] : '\0';
            switch (escaped)
            {
                case '"' or '\\' or '/': text.Append(escaped); break;
                case 'n': text.Append('\n'); break;
                case 't': text.Append('\t'); break;
                case 'r': text.Append('\r'); break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'u' when _at + 4 <= _text.Length && ushort.TryParse(_text.AsSpan(_at, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ushort code):
                    text.Append((char)code);
                    _at += 4;
                    break;
                default:
                    throw Error($"'\\{escaped}' is not a valid escape in a string");
            }
        }
    }

    private double ReadNumber()
    {
        SkipSpace();
        int start = _at;
        while (_at < _text.Length && (char.IsAsciiDigit(_text[_at]) || _text[_at] is '.' or 'e' or 'E' || (_at > start && _text[_at] is '+' or '-' && _text[_at - 1] is 'e' or 'E')))
        {
            _at++;
        }

        return double.TryParse(_text.AsSpan(start, _at - start), NumberStyles.Float, CultureInfo.InvariantCulture, out double number)
            ? number
            : throw Error("expected a number");
    }

    private int ReadInteger()
    {
        SkipSpace();
        int start = _at;
        if (Peek() == '-')
        {
            _at++;
        }

        while (char.IsAsciiDigit(Peek()))
        {
            _at++;
        }

        return int.TryParse(_text.AsSpan(start, _at - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw Error("expected a whole number");
    }

    private void Expect(char expected, string problem)
    {
        SkipSpace();
        if (Peek() != expected)
        {
            throw Error(problem);
        }

        _at++;
    }

    private void SkipSpace()
    {
        while (_at < _text.Length && char.IsWhiteSpace(_text[_at]))
        {
            _at++;
        }
    }

    private char Peek() => _at < _text.Length ? _text[_at] : '\0';

    private char PeekAt(int offset) => _at + offset < _text.Length ? _text[_at + offset] : '\0';

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private JqException Error(string problem) => new($"{problem} (at character {_at + 1} of the query)");

    private sealed class Identity
    {
        public static readonly Identity Instance = new();
    }
}

/// <summary>One step of a path into the record: a field name or an array index.</summary>
internal sealed record PathSegment(string? Name, int? Index)
{
    public override string ToString() => Name is not null ? "." + Name : $"[{Index}]";
}

/// <summary>A key of the query: its name, the path into the record, and the steps applied to what the path found.</summary>
internal sealed record JqKey(string Name, IReadOnlyList<PathSegment> Path, IReadOnlyList<JqStep> Steps)
{
    public string PathText => string.Concat(Path);
}

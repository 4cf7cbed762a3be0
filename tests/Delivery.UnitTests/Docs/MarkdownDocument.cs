using System.Text;
using System.Text.RegularExpressions;

namespace Delivery.UnitTests.Docs;

/// <summary>
/// A Markdown file as the docs checks read it: the links and heading anchors outside code, and the code (fenced blocks
/// and inline spans), where commands and paths are shown. Not a full CommonMark parser: it knows the constructs our
/// docs use, and a construct it does not know shows up as a link or path the checks cannot find, never as a pass.
/// </summary>
internal sealed partial class MarkdownDocument
{
    private MarkdownDocument(string path, string relativePath)
    {
        Path = path;
        RelativePath = relativePath;
    }

    /// <summary>The file's absolute path.</summary>
    public string Path { get; }

    /// <summary>The file's path from the repository root, with '/', for messages.</summary>
    public string RelativePath { get; }

    /// <summary>Link targets outside code, with their line numbers (1-based).</summary>
    public List<(int Line, string Target)> Links { get; } = [];

    /// <summary>The anchors GitHub gives this file's headings.</summary>
    public HashSet<string> Anchors { get; } = new(StringComparer.Ordinal);

    /// <summary>Every line of code: each line of a fenced block, and each inline code span, with its line number.</summary>
    public List<(int Line, string Text)> Code { get; } = [];

    /// <summary>Fenced blocks marked <c>json</c>, with the line their fence opens on.</summary>
    public List<(int Line, string Json)> JsonBlocks { get; } = [];

    public static MarkdownDocument Read(string path, string repositoryRoot)
    {
        var document = new MarkdownDocument(path, System.IO.Path.GetRelativePath(repositoryRoot, path).Replace('\\', '/'));
        var slugCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        string[] lines = File.ReadAllLines(path);
        string? fenceLanguage = null;
        int fenceLine = 0;
        var block = new StringBuilder();
        for (int index = 0; index < lines.Length; index++)
        {
            int number = index + 1;
            string line = lines[index];
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                if (fenceLanguage is null)
                {
                    fenceLanguage = line.TrimStart()[3..].Trim();
                    fenceLine = number;
                    block.Clear();
                }
                else
                {
                    if (fenceLanguage == "json")
                    {
                        document.JsonBlocks.Add((fenceLine, block.ToString()));
                    }

                    fenceLanguage = null;
                }

                continue;
            }

            if (fenceLanguage is not null)
            {
                document.Code.Add((number, line));
                block.AppendLine(line);
                continue;
            }

            foreach (Match span in CodeSpan().Matches(line))
            {
                document.Code.Add((number, span.Groups[1].Value));
            }

            // A heading's code spans count for its anchor ("## `validate`" is #validate: the backticks are dropped).
            if (Heading().Match(line) is { Success: true } heading)
            {
                string slug = Slug(heading.Groups[1].Value);
                int seen = slugCounts.GetValueOrDefault(slug);
                slugCounts[slug] = seen + 1;
                document.Anchors.Add(seen == 0 ? slug : $"{slug}-{seen}");
            }

            string prose = CodeSpan().Replace(line, "code");
            foreach (Match link in Link().Matches(prose))
            {
                document.Links.Add((number, link.Groups[1].Value));
            }
        }

        return document;
    }

    /// <summary>
    /// The anchor GitHub makes of a heading: its text without link targets, lower-cased, with every character that is
    /// not a letter, digit, space, '-' or '_' dropped and each space turned into '-'.
    /// </summary>
    public static string Slug(string heading)
    {
        string text = LinkInText().Replace(heading, "$1");
        var slug = new StringBuilder(text.Length);
        foreach (char c in text.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.ToString();
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^#{1,6}\s+(.+?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"\[([^\]]*)\]\([^)]*\)")]
    private static partial Regex LinkInText();
}

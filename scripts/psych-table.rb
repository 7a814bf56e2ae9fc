#!/usr/bin/env ruby
# frozen_string_literal: true

# Asks Ruby's Psych what GitLab loads for each input of tests/data/psych-inputs.yaml and
# writes the answers to tests/data/psych-scalars.yaml, with the Ruby, Psych and libyaml
# versions that gave them. tests/test_psych_table.py checks the harness's reader against
# that table.
#
# Needs Ruby (Debian: `apt-get install ruby`); not run in CI, which only reads the table.
# Run it from anywhere after changing the inputs:  ruby scripts/psych-table.rb
#
# Values are loaded as GitLab loads a CI file (Gitlab::Config::Loader::Yaml):
#   YAML.safe_load(text, permitted_classes: [Symbol], permitted_symbols: [], aliases: true)
# Each answer is the value's class and its text (Integer#to_s, Float#to_s, the string),
# collections element by element, or the exception Psych (or Ruby) raised.

require "json"
require "yaml"

HERE = File.expand_path("../tests/data", __dir__)
INPUTS = File.join(HERE, "psych-inputs.yaml")
TABLE = File.join(HERE, "psych-scalars.yaml")

def gitlab_load(text)
  YAML.safe_load(text, permitted_classes: [Symbol], permitted_symbols: [], aliases: true)
end

def describe(value)
  case value
  when nil, true, false then { "class" => value.class.name }
  when Integer, Float, Symbol then { "class" => value.class.name, "value" => value.to_s }
  when String then describe_string(value)
  when Hash then { "class" => value.class.name, "pairs" => value.map { |k, v| [describe(k), describe(v)] } }
  when Array then { "class" => value.class.name, "items" => value.map { |item| describe(item) } }
  else { "class" => value.class.name, "to_s" => value.to_s }
  end
end

def describe_string(value)
  text = value.dup.force_encoding(Encoding::UTF_8)
  answer = { "class" => "String" }
  answer["encoding"] = value.encoding.name unless value.encoding == Encoding::UTF_8
  if text.valid_encoding?
    answer.merge("value" => text)
  else
    answer.merge("bytes" => value.unpack1("H*"))
  end
end

def answer_for(text, value_only)
  data = gitlab_load(text)
  value_only ? describe(data["v"]) : describe(data)
rescue Exception => e # rubocop:disable Lint/RescueException -- any failure is Psych's answer
  { "error" => e.class.name, "message" => e.message }
end

def expand(entry)
  return entry if entry.is_a?(String)

  entry.fetch("prefix", "") + (entry.fetch("repeat") * entry.fetch("times")) + entry.fetch("suffix", "")
end

# JSON is YAML too; YAML refuses DEL and the C1 controls raw and folds NEL, LS and PS.
def flow(value)
  JSON.generate(value).gsub(/[\u007f-\u009f\u2028\u2029]/) { |c| format("\\u%04x", c.ord) }
end

inputs = YAML.safe_load_file(INPUTS)
lines = [
  "# Written by scripts/psych-table.rb from psych-inputs.yaml: do not edit by hand.",
  "# Each row: an input and what GitLab's loader (#{flow('YAML.safe_load(text, permitted_classes: [Symbol], ' \
                                                          'permitted_symbols: [], aliases: true)')[1..-2]})",
  "# gives for it: the class and text of the value of `v` (values) or of the whole document",
  "# (documents), or the exception raised.",
  "ruby: #{flow(RUBY_VERSION)}",
  "psych: #{flow(Psych::VERSION)}",
  "libyaml: #{flow(Psych::LIBYAML_VERSION)}",
  "values:"
]
inputs.fetch("values").each do |entry|
  lines << "- input: #{flow(entry)}"
  lines << "  answer: #{flow(answer_for("v: #{expand(entry)}\n", true))}"
end
lines << "documents:"
inputs.fetch("documents").each do |text|
  lines << "- input: #{flow(text)}"
  lines << "  answer: #{flow(answer_for(text, false))}"
end
File.write(TABLE, lines.join("\n") + "\n")
puts "#{TABLE}: #{inputs['values'].size + inputs['documents'].size} rows (Ruby #{RUBY_VERSION}, Psych #{Psych::VERSION})"

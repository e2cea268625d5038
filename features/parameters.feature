@case_cancel
Feature: case_cancel checks its parameters before it looks at the port

  port_id is mandatory, an integer 1 to 2000; bin_id is mandatory, an integer 1 to 4 000 000. In XML a
  value is the element's text, which with surrounding whitespace removed must be an xs:int literal
  (sign and leading zeros allowed); in JSON it is a number with an integral value. A literal column
  holds the XML text, or the JSON value exactly as sent.

  @error:1003 @source:doc @req:PARAM-1003
  Scenario Outline: A missing port_id is refused with 1003 (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in <encoding> with port_id missing and bin_id 101337
    Then the controller answers with fault 1003
    And port 4 is unchanged

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @error:1003 @assumed @source:decided @req:PARAM-1003
  Scenario Outline: A call without params is a call without port_id (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in <encoding> without params
    Then the controller answers with fault 1003
    And port 4 is unchanged

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @error:1003 @assumed @source:decided @req:PARAM-1003
  Scenario Outline: Ids beside the method name, outside params, are no parameters at all (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in <encoding> with port_id 4 and bin_id 101338 beside the method name, without params
    Then the controller answers with fault 1003
    And port 4 is unchanged

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @error:1003 @assumed @source:decided @req:PARAM-1003
  Scenario Outline: JSON params that are not an object count as no parameters at all (<params>, JSON)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in JSON with params <params>
    Then the controller answers with fault 1003
    And port 4 is unchanged

    @json
    Examples: JSON
      | params                                |
      | 'null'                                |
      | '[4, 101337]'                         |
      | '"port_id=4&bin_id=101337"'           |
      | '4'                                   |

  @error:1003 @assumed @source:decided @req:PARAM-1003
  Scenario Outline: A parameter named in other letters is an unknown parameter, so port_id is missing (<name>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in <encoding> with the params content <params>
    Then the controller answers with fault 1003
    And port 4 is unchanged

    @xml
    Examples: XML
      | name    | params                                        | encoding |
      | PORT_ID | '<PORT_ID>4</PORT_ID><bin_id>101337</bin_id>' | XML      |

    @json
    Examples: JSON
      | name    | params                                        | encoding |
      | PORT_ID | '{"PORT_ID": 4, "bin_id": 101337}'            | JSON     |

  @error:1004 @source:seed @req:PARAM-1004-RANGE
  Scenario Outline: A port_id outside 1 to 2000 is refused with 1004 (<port_id>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in <encoding> with port_id <port_id> and bin_id 101337
    Then the controller answers with fault 1004
    And port 4 is unchanged

    @xml
    Examples: XML
      | port_id              | encoding |
      | 0                    | XML      |
      | 2001                 | XML      |
      | -1                   | XML      |
      | -4                   | XML      |
      | 2147483647           | XML      |
      | 2147483648           | XML      |
      | -2147483649          | XML      |
      | 65540                | XML      |
      | 4294967300           | XML      |
      | 99999999999999999999 | XML      |

    @json
    Examples: JSON
      | port_id              | encoding |
      | 0                    | JSON     |
      | 2001                 | JSON     |
      | -1                   | JSON     |
      | -4                   | JSON     |
      | 2147483647           | JSON     |
      | 2147483648           | JSON     |
      | -2147483649          | JSON     |
      | 65540                | JSON     |
      | 4294967300           | JSON     |
      | 99999999999999999999 | JSON     |

  @error:1004 @assumed @source:decided @req:PARAM-1004-FORMAT
  Scenario Outline: A port_id that is not an integer is refused with 1004 (<port_id>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in <encoding> with port_id <port_id> and bin_id 101337
    Then the controller answers with fault 1004
    And port 4 is unchanged

    @xml
    Examples: XML
      | port_id        | encoding |
      | "4.0"          | XML      |
      | "4e0"          | XML      |
      | "0x4"          | XML      |
      | "four"         | XML      |
      | ""             | XML      |
      | "   "          | XML      |
      | "4 4"          | XML      |
      | "4a"           | XML      |
      | "٤"            | XML      |
      | "４"            | XML      |
      | "\u{A0}4"      | XML      |
      | "++4"          | XML      |
      | "4-"           | XML      |

    @json
    Examples: JSON
      | port_id                 | encoding |
      | '"4"'                   | JSON     |
      | 'null'                  | JSON     |
      | 'true'                  | JSON     |
      | 'false'                 | JSON     |
      | '4.5'                   | JSON     |
      | '[4]'                   | JSON     |
      | '{"value": 4}'          | JSON     |
      | '-0.5'                  | JSON     |
      | '4.0000000000000000001' | JSON     |
      | '""'                    | JSON     |

  @error:1004 @assumed @source:decided @req:PARAM-1004-FORMAT @xml
  Scenario: A port_id given twice is refused with 1004 (XML)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in XML with port_id 4 given twice and bin_id 101337
    Then the controller answers with fault 1004
    And port 4 is unchanged

  @error:1004 @assumed @source:decided @req:PARAM-1004-FORMAT @xml
  Scenario: A port_id with a child element is refused with 1004 (XML)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in XML with port_id 4 inside a child element and bin_id 101337
    Then the controller answers with fault 1004
    And port 4 is unchanged

  @error:1010 @assumed @source:decided @req:PARAM-1010-MISSING
  Scenario Outline: A missing bin_id is refused with 1010 (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in <encoding> with port_id 4 and bin_id missing
    Then the controller answers with fault 1010
    And port 4 is unchanged

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @error:1010 @source:seed @req:PARAM-1010-RANGE
  Scenario Outline: A bin_id outside 1 to 4 000 000 is refused with 1010 (<bin_id>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in <encoding> with port_id 4 and bin_id <bin_id>
    Then the controller answers with fault 1010
    And port 4 is unchanged

    @xml
    Examples: XML
      | bin_id               | encoding |
      | 0                    | XML      |
      | 4000001              | XML      |
      | -1                   | XML      |
      | -101337              | XML      |
      | 2147483647           | XML      |
      | 2147483648           | XML      |
      | 4295068633           | XML      |
      | 99999999999999999999 | XML      |

    @json
    Examples: JSON
      | bin_id               | encoding |
      | 0                    | JSON     |
      | 4000001              | JSON     |
      | -1                   | JSON     |
      | -101337              | JSON     |
      | 2147483647           | JSON     |
      | 2147483648           | JSON     |
      | 4295068633           | JSON     |
      | 99999999999999999999 | JSON     |

  @error:1010 @assumed @source:decided @req:PARAM-1010-FORMAT
  Scenario Outline: A bin_id that is not an integer is refused with 1010 (<bin_id>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in <encoding> with port_id 4 and bin_id <bin_id>
    Then the controller answers with fault 1010
    And port 4 is unchanged

    @xml
    Examples: XML
      | bin_id      | encoding |
      | "101337.0"  | XML      |
      | "1.01337e5" | XML      |
      | "0x18BD9"   | XML      |
      | "bin"       | XML      |
      | ""          | XML      |
      | " "         | XML      |
      | "101 337"   | XML      |
      | "101337\u{A0}" | XML      |

    @json
    Examples: JSON
      | bin_id                     | encoding |
      | '"101337"'                 | JSON     |
      | 'null'                     | JSON     |
      | 'true'                     | JSON     |
      | '101337.5'                 | JSON     |
      | '101337.00000000000000001' | JSON     |
      | '[101337]'                 | JSON     |
      | '{}'                       | JSON     |

  @error:1010 @assumed @source:decided @req:PARAM-1010-FORMAT @xml
  Scenario: A bin_id given twice is refused with 1010 (XML)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in XML with bin_id 101337 given twice and port_id 4
    Then the controller answers with fault 1010
    And port 4 is unchanged

  @error:1010 @assumed @source:decided @req:PARAM-1010-FORMAT @xml
  Scenario: A bin_id with a child element is refused with 1010 (XML)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in XML with bin_id 101337 inside a child element and port_id 4
    Then the controller answers with fault 1010
    And port 4 is unchanged

  @source:seed @req:PARAM-BOUNDS
  Scenario Outline: The port_id bounds are accepted (<port_id>, <encoding>)
    Given port <port_id> is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS cancels the case operation of bin 101337 on port <port_id> in <encoding>
    Then the cancel succeeds

    @xml
    Examples: XML
      | port_id | encoding |
      | 1       | XML      |
      | 2000    | XML      |

    @json
    Examples: JSON
      | port_id | encoding |
      | 1       | JSON     |
      | 2000    | JSON     |

  @source:seed @req:PARAM-BOUNDS
  Scenario Outline: The bin_id bounds are accepted (<bin_id>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin <bin_id> selected and its case ERSO in error
    When the WMS cancels the case operation of bin <bin_id> on port 4 in <encoding>
    Then the cancel succeeds

    @xml
    Examples: XML
      | bin_id  | encoding |
      | 1       | XML      |
      | 4000000 | XML      |

    @json
    Examples: JSON
      | bin_id  | encoding |
      | 1       | JSON     |
      | 4000000 | JSON     |

  @assumed @source:decided @req:PARAM-LITERALS
  Scenario Outline: Integer literals with sign, leading zeros or surrounding whitespace mean their value (<port_id>, <bin_id>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in <encoding> with port_id <port_id> and bin_id <bin_id>
    Then the cancel succeeds

    @xml
    Examples: XML
      | port_id   | bin_id      | encoding |
      | "+4"      | "101337"    | XML      |
      | "0004"    | "101337"    | XML      |
      | " 4 "     | "101337"    | XML      |
      | "\n\t4\n" | "101337"    | XML      |
      | "4"       | "+101337"   | XML      |
      | "4"       | "000101337" | XML      |
      | "4"       | " 101337 "  | XML      |

    # `…` is the element's content as XML markup, sent unescaped: the element's text includes its CDATA sections
    # and resolved character references, and excludes comments (XML 1.0), so each of these means 4 and 101337.
    @xml
    Examples: XML text as XML reads it
      | port_id         | bin_id                                | encoding |
      | `<![CDATA[4]]>` | "101337"                              | XML      |
      | `&#52;`         | "101337"                              | XML      |
      | `&#x34;`        | "101337"                              | XML      |
      | `4<!-- c -->`   | "101337"                              | XML      |
      | "4"             | `<![CDATA[101337]]>`                  | XML      |
      | "4"             | `&#49;&#48;&#49;&#51;&#51;&#55;`      | XML      |
      | "4"             | `&#x31;&#x30;&#x31;&#x33;&#x33;&#x37;` | XML      |
      | "4"             | `101337<!-- c -->`                    | XML      |

    @json
    Examples: JSON
      | port_id   | bin_id      | encoding |
      | '4.0'     | '101337'    | JSON     |
      | '4'       | '101337.0'  | JSON     |
      | ' 4 '     | ' 101337 '  | JSON     |
      | '4e0'     | '101337'    | JSON     |
      | '4'       | '1.01337e5' | JSON     |

  @assumed @source:decided @req:PARAM-LITERALS
  Scenario Outline: An unknown extra parameter is ignored (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in <encoding> with port_id 4, bin_id 101337 and the unknown parameter task_id 42
    Then the cancel succeeds

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

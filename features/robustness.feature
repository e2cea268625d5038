@case_cancel @robustness @assumed @source:decided
Feature: Input that is not a call is refused, changes nothing, and the controller keeps serving

  A body that is not well-formed, a DOCTYPE or entity declaration, a body over 1 MiB, an unknown or
  missing method, another verb or path: the controller answers with an HTTP 4xx status (never 2xx,
  never 5xx, never a dropped connection), never expands an entity, changes nothing, and afterwards
  still answers a valid call correctly. The order of checks names the status where the body is not
  well-formed, is not a methodcall (or a JSON object with a method), or calls an unknown method:
  HTTP 400. Elsewhere the 4xx that fits (405, 404, 413, 415). A body of exactly 1 MiB is not over it.

  @req:ROB-MALFORMED @source:seed
  Scenario Outline: The vendor's Python sample, with its stray ">", is refused (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends the vendor's Python sample for bin 101337 on port 4, with its stray ">"
    Then the controller refuses it with HTTP 400
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in <encoding> is still answered as the port stands

    @xml
    Examples: XML
      | encoding |
      | XML      |

  @req:ROB-MALFORMED
  Scenario Outline: A call cut off before its end is refused (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends a case_cancel of bin 101337 on port 4 in <encoding> cut off before its end
    Then the controller refuses it with HTTP 400
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in <encoding> is still answered as the port stands

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @req:ROB-MALFORMED
  Scenario Outline: A body that is neither XML nor JSON is refused (<body>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends the body <body> as <content_type>
    Then the controller refuses it with <refusal>
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in <encoding> is still answered as the port stands

    @xml
    Examples: XML
      | body                                                                                                                                         | content_type      | encoding | refusal            |
      | 'case_cancel 4 101337'                                                                                                                       | 'text/plain'      | XML      | an HTTP 4xx status |
      | '<methodcall><name>case_cancel</name>'                                                                                                       | 'application/xml' | XML      | HTTP 400           |
      | ''                                                                                                                                           | 'application/xml' | XML      | HTTP 400           |
      | '<?xml version="1.0"?><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall><extra/>' | 'application/xml' | XML      | HTTP 400           |

    @json
    Examples: JSON
      | body                                                                     | content_type                        | encoding | refusal            |
      | 'port_id=4&bin_id=101337'                                                | 'application/x-www-form-urlencoded' | JSON     | an HTTP 4xx status |
      | '{"method": "case_cancel", "params": {"port_id": 4, "bin_id": 101337}'   | 'application/json'                  | JSON     | HTTP 400           |
      | '{"method": "case_cancel", "params": {"port_id": 4, "bin_id": 101337}}}' | 'application/json'                  | JSON     | HTTP 400           |
      | ''                                                                       | 'application/json'                  | JSON     | HTTP 400           |
      | '["case_cancel", 4, 101337]'                                             | 'application/json'                  | JSON     | HTTP 400           |
      | 'null'                                                                   | 'application/json'                  | JSON     | HTTP 400           |

  @req:ROB-MALFORMED @xml
  Scenario Outline: A call whose root element is not methodcall is refused (<root>, XML)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends a case_cancel of bin 101337 on port 4 in XML under the root element "<root>"
    Then the controller refuses it with HTTP 400
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in XML is still answered as the port stands

    Examples:
      | root       |
      | methodCall |
      | request    |

  @req:ROB-DOCTYPE
  Scenario Outline: A DOCTYPE is refused, and an entity never expanded (<doctype>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends a case_cancel of bin 101337 on port 4 in XML with <doctype>
    Then the controller refuses it with an HTTP 4xx status
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in <encoding> is still answered as the port stands

    @xml
    Examples: XML
      | doctype                                    | encoding |
      | a DOCTYPE                                  | XML      |
      | a DOCTYPE that declares an entity          | XML      |
      | a DOCTYPE that declares an external entity | XML      |

  @req:ROB-SIZE
  Scenario Outline: A body over 1 MiB is refused (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends a case_cancel of bin 101337 on port 4 in <encoding> padded to 2 MiB
    Then the controller refuses it with an HTTP 4xx status
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in <encoding> is still answered as the port stands

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @req:ROB-SIZE
  Scenario Outline: A body over 1 MiB is refused when it comes chunked, without a Content-Length (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends a case_cancel of bin 101337 on port 4 in <encoding> padded to 2 MiB, chunked without a Content-Length
    Then the controller refuses it with an HTTP 4xx status
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in <encoding> is still answered as the port stands

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @req:ROB-SIZE
  Scenario Outline: A body one byte over 1 MiB is refused (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends a case_cancel of bin 101337 on port 4 in <encoding> padded to 1048577 bytes
    Then the controller refuses it with an HTTP 4xx status
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in <encoding> is still answered as the port stands

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @req:ROB-SIZE
  Scenario Outline: A body of exactly 1 MiB is read as a call, not refused (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends case_cancel in <encoding> with port_id 4 and bin_id 0, padded to 1048576 bytes
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

  @req:ROB-METHOD
  Scenario Outline: An unknown method is refused (<method>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS calls the unknown method <method> with port_id 4 and bin_id 101337 in <encoding>
    Then the controller refuses it with HTTP 400
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in <encoding> is still answered as the port stands

    @xml
    Examples: XML
      | method         | encoding |
      | "case_explode" | XML      |
      | "CASE_CANCEL"  | XML      |

    @json
    Examples: JSON
      | method         | encoding |
      | "case_explode" | JSON     |
      | "CASE_CANCEL"  | JSON     |

  @req:ROB-METHOD
  Scenario Outline: A call without a method name is refused (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends a call without a method name, with port_id 4 and bin_id 101337 in <encoding>
    Then the controller refuses it with HTTP 400
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in <encoding> is still answered as the port stands

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @req:ROB-METHOD @json
  Scenario Outline: A JSON call whose method is not a string is refused (<method>, JSON)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends the body <body> as 'application/json'
    Then the controller refuses it with HTTP 400
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in JSON is still answered as the port stands

    Examples: JSON
      | method    | body                                                                              |
      | a list    | '{"method": ["case_cancel"], "params": {"port_id": 4, "bin_id": 101337}}'         |
      | an object | '{"method": {"name": "case_cancel"}, "params": {"port_id": 4, "bin_id": 101337}}' |

  @req:ROB-METHOD
  Scenario Outline: An unknown method is refused before its parameters are looked at (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends the body <body> as <content_type>
    Then the controller refuses it with HTTP 400
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in <encoding> is still answered as the port stands

    @xml
    Examples: XML
      | body                                                                               | content_type      | encoding |
      | '<?xml version="1.0"?><methodcall><name>case_explode</name><params/></methodcall>' | 'application/xml' | XML      |

    @json
    Examples: JSON
      | body                                       | content_type       | encoding |
      | '{"method": "case_explode", "params": {}}' | 'application/json' | JSON     |

  @req:ROB-VERB
  Scenario Outline: Another HTTP verb is refused (<verb>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS sends a case_cancel of bin 101337 on port 4 in <encoding> with the HTTP verb <verb>
    Then the controller refuses it with an HTTP 4xx status
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in <encoding> is still answered as the port stands

    @xml
    Examples: XML
      | verb   | encoding |
      | GET    | XML      |
      | PUT    | XML      |
      | DELETE | XML      |

    @json
    Examples: JSON
      | verb   | encoding |
      | GET    | JSON     |
      | PUT    | JSON     |
      | DELETE | JSON     |

  @req:ROB-VERB
  Scenario Outline: Another path is refused (<path>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS posts a case_cancel of bin 101337 on port 4 in <encoding> to the path "<path>"
    Then the controller refuses it with an HTTP 4xx status
    And port 4 is unchanged
    And a valid cancel of bin 101337 on port 4 in <encoding> is still answered as the port stands

    @xml
    Examples: XML
      | path                     | encoding |
      | /api/v2/tasks            | XML      |
      | /api/v1/task             | XML      |
      | /                        | XML      |
      | /api/v2/task/case_cancel | XML      |

    @json
    Examples: JSON
      | path                     | encoding |
      | /api/v2/tasks            | JSON     |
      | /api/v1/task             | JSON     |
      | /                        | JSON     |
      | /api/v2/task/case_cancel | JSON     |

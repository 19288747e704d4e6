import QtQuick

// Text in the app's face and colours; `size` is a Theme font size.
Text {
    property alias size: label.font.pixelSize
    id: label
    color: Theme.text
    font.family: Theme.fontFamily
    font.pixelSize: Theme.fontBody
    elide: Text.ElideRight
    textFormat: Text.PlainText
}
